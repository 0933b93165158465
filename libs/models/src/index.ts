// ops: box overlaps, NMS, RoIAlign
export * from './ops/iou';
export * from './ops/iou-typed';
export * from './ops/nms';
export * from './ops/nms-async';
export * from './ops/roi-align';
// webgpu: Dawn/WebGPU setup, adapter report and det kernel replacements (optional peer deps)
export * from './webgpu';
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
// nn: Module base (named params/buffers, state dicts) and layers
export * from './nn';
// backbones (BACKBONES): ResNet, TinyNet
export * from './backbones/resnet';
export * from './backbones/resnet-blocks';
export * from './backbones/tiny-net';
// necks (NECKS): FPN
export * from './necks/fpn';
// heads (HEADS): AnchorHead, RetinaHead, FCOSHead
export * from './heads/dense-head';
export * from './heads/anchor-head';
export * from './heads/retina-head';
export * from './heads/fcos-head';
export { topCandidates, nmsDetections, rescaleBoxes, finishDetections, mergeLevels, type Candidates } from './heads/post-process';
export { gatherRowsWithGrad, denseClassTargets } from './heads/head-utils';
// detectors (DETECTORS): BaseDetector, SingleStageDetector, RetinaNet, FCOS
export * from './detectors/types';
export * from './detectors/base-detector';
export * from './detectors/single-stage';
export { parseLosses, type LossDict } from './detectors/parse-losses';
export { unflipBoxes, mapBackToOriginal } from './detectors/aug-merge';
export * from './detectors/set-num-classes';
// weights: safetensors save/load and checkpoint loading with a key report
export * from './weights/weights-io';
export * from './weights/load-checkpoint';
export * from './weights/torch-layout';
// two-stage (HEADS, ROI_EXTRACTORS, DETECTORS): RPNHead, SingleRoIExtractor, StandardRoIHead, Shared2FCBBoxHead, TwoStageDetector, FasterRCNN
export * from './two-stage';
