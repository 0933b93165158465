module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: '@det/models',
  // Probes once for a WebGPU adapter (GPU or lavapipe) so webgpu specs run or report as skipped.
  globalSetup: '<rootDir>/src/webgpu/testing/jest-global-setup.ts',
};
