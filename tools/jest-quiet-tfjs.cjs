// Jest setup for every project: tells tfjs it runs under test so the cpu backend does not print
// its "install tfjs-node" banner into every spec's output (det picks its own backends).
try {
  require('@tensorflow/tfjs-core').env().set('IS_TEST', true);
} catch {
  // a project without tfjs (e.g. the registry) has nothing to silence
}
