import { defineConfig } from '@det/registry';

// The CPU-sized RetinaNet (_base_/models/retinanet_tiny.ts: TinyNet, 64-channel 3-level FPN,
// 2-conv head) on the synthetic shapes set with the iteration-based synthetic schedule.
export default defineConfig({
  _base_: ['../_base_/models/retinanet_tiny.ts', '../_base_/datasets/synthetic_shapes.ts', './schedule_synthetic.ts', '../_base_/default_runtime.ts'],
  checkpointConfig: { interval: 500, maxKeepCkpts: 2 },
  logConfig: { interval: 20 },
  evaluation: { interval: 500, metric: 'bbox' },
});
