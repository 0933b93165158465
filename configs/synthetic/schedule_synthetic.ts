import { defineConfig } from '@det/registry';

// Iteration-based schedule for the synthetic set (400 train images, batch 8 → 50 iterations an
// epoch). Counts are iterations: the LR steps here, and the
// checkpoint / log / evaluation intervals the configs using it set, are every N iterations.
export default defineConfig({
  optimizer: { type: 'SGD', lr: 0.01, momentum: 0.9, weightDecay: 0.0001 },
  optimizerConfig: { gradClip: { maxNorm: 35, normType: 2 } },
  lrConfig: { policy: 'step', warmup: 'linear', warmupIters: 100, warmupRatio: 0.001, step: [1000, 1300] },
  runner: { type: 'IterBasedRunner', maxIters: 1500 },
});
