import { defineConfig } from '@det/registry';

// What `det demo` trains: the tiny RetinaNet on the synthetic shapes set, with a schedule sized
// to finish in a few minutes on 2 CPU cores (see docs/tour.md for the measured time and mAP).
export default defineConfig({
  _base_: './retinanet_tiny_synthetic.ts',
  runner: { maxIters: 1500 },
  checkpointConfig: { interval: 1500, maxKeepCkpts: 1 },
  evaluation: { interval: 1500 },
});
