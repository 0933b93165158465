const preset = require('../../jest.preset.cjs');
// tfjs-core's CommonJS bundle registers no gradients; specs import its ESM
// `dist/register_all_gradients`, so let swc transform tfjs-core's ESM files.
module.exports = {
  ...preset,
  displayName: '@det/models',
  transformIgnorePatterns: ['/node_modules/(?!@tensorflow/tfjs-core/dist/)'],
  // Probes once for a WebGPU adapter (GPU or lavapipe) so webgpu specs run or report as skipped.
  globalSetup: '<rootDir>/src/webgpu/testing/jest-global-setup.ts',
};
