const preset = require('../../jest.preset.cjs');
// tfjs-core's CommonJS bundle registers no gradients; specs import its ESM
// `dist/register_all_gradients`, so let swc transform tfjs-core's ESM files.
module.exports = {
  ...preset,
  displayName: '@det/runner',
  transformIgnorePatterns: ['/node_modules/(?!@tensorflow/tfjs-core/dist/)'],
};
