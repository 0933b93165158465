import { defineConfig } from '@det/registry';

export default defineConfig({
  _base_: './_base_/schedule.json',
  model: { type: 'RetinaNet', backbone: { type: 'ResNet', depth: 18 } },
  optimizer: { lr: 0.01 },
  seed: 42,
});
