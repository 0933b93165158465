// ops: box overlaps, NMS, RoIAlign
export * from './ops/iou';
export * from './ops/nms';
export * from './ops/roi-align';
// webgpu: Dawn/WebGPU setup, adapter report and det kernel replacements (optional peer deps)
export * from './webgpu';
