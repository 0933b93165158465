// ops: box overlaps, NMS, RoIAlign
export * from './ops/iou';
export * from './ops/nms';
export * from './ops/roi-align';
// losses (registered in LOSSES)
export * from './losses/reduce';
export * from './losses/focal-loss';
export * from './losses/smooth-l1-loss';
export * from './losses/iou-loss';
export * from './losses/cross-entropy-loss';
// anchors / prior generators (registered in PRIOR_GENERATORS)
export * from './anchors/anchor-generator';
export * from './anchors/point-generator';
// bbox coders (registered in BBOX_CODERS)
export * from './bbox/coders/delta-xywh-bbox-coder';
export * from './bbox/coders/distance-point-bbox-coder';
// backend: tensor backend selection (auto/tensorflow/native/webgpu/wasm/cpu), gradients, det env info
export * from './backend';
// kernels: native (N-API, AVX2) kernel path, wasm conv filter gradient, inference BatchNorm folding
export * from './kernels';
// bbox assigners and samplers (BBOX_ASSIGNERS, BBOX_SAMPLERS)
export * from './bbox/assigners/assign-result';
export * from './bbox/assigners/max-iou-assigner';
export * from './bbox/samplers/sampling-result';
export * from './bbox/samplers/base-sampler';
export * from './bbox/samplers/random-sampler';
export * from './bbox/samplers/pseudo-sampler';
// webgpu: Dawn/WebGPU setup, adapter report and det kernel replacements (optional peer deps)
export * from './webgpu';
