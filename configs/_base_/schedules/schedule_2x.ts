import { defineConfig } from '@det/registry';

// MMDetection's 2x schedule: 24 epochs, LR steps at 16 and 22.
export default defineConfig({
  _base_: './schedule_1x.ts',
  lrConfig: { step: [16, 22] },
  runner: { maxEpochs: 24 },
});
