// Plain JavaScript, MMDetection style: every named export is a top-level key.
exports._base_ = ['./base/runtime.yaml'];
exports.optimizer = { type: 'Adam', lr: 0.001 };
exports.runner = { type: 'IterBasedRunner', maxIters: 100 };
