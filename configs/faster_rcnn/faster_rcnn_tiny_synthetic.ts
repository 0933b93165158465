import { defineConfig } from '@det/registry';

// Faster R-CNN scaled down for CPU training on the synthetic shapes set (320×240, objects 24–96 px,
// 8 classes): TinyNet backbone (strides 8/16/32), a 64-channel FPN with 3 levels, 3 anchor ratios
// of 32 px at stride 8, a 256-wide two-FC RoI head on 7×7 RoIAlign (2×2 samples per bin) and
// fewer proposals and sampled RoIs than the COCO config.
export default defineConfig({
  _base_: ['../_base_/datasets/synthetic_shapes.ts', '../synthetic/schedule_synthetic.ts', '../_base_/default_runtime.ts'],
  checkpointConfig: { interval: 500, maxKeepCkpts: 2 },
  logConfig: { interval: 20 },
  evaluation: { interval: 500, metric: 'bbox' },
  optimizer: { type: 'SGD', lr: 0.02, momentum: 0.9, weightDecay: 0.0001 },
  model: {
    type: 'FasterRCNN',
    backbone: { type: 'TinyNet', stemChannels: 16, stageChannels: [32, 64, 128, 128], outIndices: [1, 2, 3] },
    neck: { type: 'FPN', inChannels: [64, 128, 128], outChannels: 64, numOuts: 3 },
    rpnHead: {
      type: 'RPNHead',
      inChannels: 64,
      featChannels: 64,
      anchorGenerator: { type: 'AnchorGenerator', scales: [4], ratios: [0.5, 1.0, 2.0], strides: [8, 16, 32] },
      bboxCoder: { type: 'DeltaXYWHBBoxCoder', targetMeans: [0, 0, 0, 0], targetStds: [1.0, 1.0, 1.0, 1.0] },
      lossCls: { type: 'CrossEntropyLoss', useSigmoid: true, lossWeight: 1.0 },
      lossBbox: { type: 'L1Loss', lossWeight: 1.0 },
    },
    roiHead: {
      type: 'StandardRoIHead',
      // finestScale 32: RoIs under 64 px pool from stride 8, under 128 px from 16, larger from 32
      bboxRoiExtractor: { type: 'SingleRoIExtractor', roiLayer: { type: 'RoIAlign', outputSize: 7, samplingRatio: 2 }, outChannels: 64, featmapStrides: [8, 16, 32], finestScale: 32 },
      bboxHead: {
        type: 'Shared2FCBBoxHead',
        inChannels: 64,
        fcOutChannels: 256,
        roiFeatSize: 7,
        bboxCoder: { type: 'DeltaXYWHBBoxCoder', targetMeans: [0, 0, 0, 0], targetStds: [0.1, 0.1, 0.2, 0.2] },
        regClassAgnostic: false,
        lossCls: { type: 'CrossEntropyLoss', useSigmoid: false, lossWeight: 1.0 },
        lossBbox: { type: 'L1Loss', lossWeight: 1.0 },
      },
    },
    trainCfg: {
      rpn: {
        assigner: { type: 'MaxIoUAssigner', posIouThr: 0.7, negIouThr: 0.3, minPosIou: 0.3, matchLowQuality: true, ignoreIofThr: -1 },
        sampler: { type: 'RandomSampler', num: 128, posFraction: 0.5, negPosUb: -1, addGtAsProposals: false },
        allowedBorder: -1,
        posWeight: -1,
        debug: false,
      },
      rpnProposal: { nmsPre: 500, maxPerImg: 200, nms: { type: 'nms', iouThreshold: 0.7 }, minBboxSize: 0 },
      rcnn: {
        assigner: { type: 'MaxIoUAssigner', posIouThr: 0.5, negIouThr: 0.5, minPosIou: 0.5, matchLowQuality: false, ignoreIofThr: -1 },
        sampler: { type: 'RandomSampler', num: 32, posFraction: 0.25, negPosUb: -1, addGtAsProposals: true },
        posWeight: -1,
        debug: false,
      },
    },
    testCfg: {
      rpn: { nmsPre: 500, maxPerImg: 200, nms: { type: 'nms', iouThreshold: 0.7 }, minBboxSize: 0 },
      rcnn: { scoreThr: 0.05, nms: { type: 'nms', iouThreshold: 0.5 }, maxPerImg: 100 },
    },
  },
});
