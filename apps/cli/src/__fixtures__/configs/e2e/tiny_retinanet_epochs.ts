import { defineConfig } from '@det/registry';

// The tiny test setup on an EpochBasedRunner (2 epochs of 4 iterations), evaluated every epoch.
export default defineConfig({
  _base_: './tiny_retinanet.ts',
  runner: { _delete_: true, type: 'EpochBasedRunner', maxEpochs: 2 },
  lrConfig: { step: [1] },
  checkpointConfig: { interval: 1 },
  logConfig: { interval: 2 },
  evaluation: { interval: 1 },
});
