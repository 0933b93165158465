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
