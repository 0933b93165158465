import { defineConfig } from '@det/registry';

// Runtime defaults shared by every config (MMDetection's default_runtime, camelCase keys).
export default defineConfig({
  checkpointConfig: { interval: 1, maxKeepCkpts: 3 },
  logConfig: { interval: 50, hooks: [{ type: 'TextLoggerHook' }] },
  customHooks: [{ type: 'NumClassCheckHook' }],
  logLevel: 'info',
  loadFrom: null,
  resumeFrom: null,
  workflow: [['train', 1]],
  backend: 'auto',
  seed: 0,
  deterministic: false,
});
