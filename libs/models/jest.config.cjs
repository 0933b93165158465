const preset = require('../../jest.preset.cjs');
// tfjs-core's CommonJS bundle registers no gradients; specs import its ESM
// `dist/register_all_gradients`, so let swc transform tfjs-core's ESM files.
module.exports = {
  ...preset,
  displayName: '@det/models',
  transformIgnorePatterns: ['/node_modules/(?!@tensorflow/tfjs-core/dist/)'],
  // Probes once for a WebGPU adapter (GPU or lavapipe) so webgpu specs run or report as skipped.
  globalSetup: '<rootDir>/src/webgpu/testing/jest-global-setup.ts',
  // Two workers even on 2 cores: on lavapipe every distinct shader is JIT-compiled into the
  // process with its own memory maps, and one process running every webgpu spec reaches ~62 000 of
  // Linux's default 65 530 (vm.max_map_count) — then LLVM, V8 or Dawn fail to map memory and the
  // worker dies (SIGSEGV, "Unable to allocate section memory", heap out of memory).
  maxWorkers: 2,
};
