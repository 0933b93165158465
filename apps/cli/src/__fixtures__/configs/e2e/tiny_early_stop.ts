import { defineConfig } from '@det/registry';

// The tiny test setup evaluated every iteration, with @det-contrib/early-stopping asked for an
// improvement it cannot get (minDelta 1 on a mAP), so it stops the run at the second evaluation.
export default defineConfig({
  _base_: './tiny_retinanet.ts',
  runner: { maxIters: 6 },
  evaluation: { interval: 1 },
  checkpointConfig: { interval: 6 },
  customHooks: [
    { type: 'NumClassCheckHook' },
    { type: 'EarlyStoppingHook', metric: 'bbox_mAP_50', patience: 1, minDelta: 1, priority: 'VERY_LOW' },
  ],
});
