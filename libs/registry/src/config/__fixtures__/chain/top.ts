// level 1: a typed TypeScript config on top of a YAML config on top of JSON + YAML bases
import { defineConfig } from '@det/registry';

const samplesPerGpu = 4;

export default defineConfig({
  _base_: './mid.yaml',
  model: { neck: { outChannels: 128 } },
  data: { samplesPerGpu },
  optimizer: { type: 'SGD', lr: 0.02 * (samplesPerGpu / 2) },
  workDir: 'work_dirs/top',
});
