import { defineConfig } from '@det/registry';

// MMDetection's 1x schedule: 12 epochs, LR steps at epochs 8 and 11, linear warm-up of 500 iters.
export default defineConfig({
  optimizer: { type: 'SGD', lr: 0.02, momentum: 0.9, weightDecay: 0.0001 },
  optimizerConfig: { gradClip: null },
  lrConfig: { policy: 'step', warmup: 'linear', warmupIters: 500, warmupRatio: 0.001, step: [8, 11] },
  runner: { type: 'EpochBasedRunner', maxEpochs: 12 },
});
