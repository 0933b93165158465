import { defineConfig, type DetConfig } from '@det/registry';

const model: DetConfig['model'] = { type: 'FCOS', backbone: { type: 'ResNet', depth: 18 } };

export default defineConfig({
  model,
  runner: { type: 'EpochBasedRunner', maxEpochs: 1 },
  seed: 5,
});
