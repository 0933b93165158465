import { defineConfig } from '@det/registry';

// RetinaNet sized for CPU training (2 cores, ~320 px inputs): TinyNet backbone (strides 8/16/32
// used), a 64-channel 3-level FPN and a 2-conv head. Anchors start at 24 px (octaveBaseScale 3,
// 2 scales an octave) for objects of roughly 24–100 px. See bench/models for the measured step time.
export default defineConfig({
  model: {
    type: 'RetinaNet',
    backbone: { type: 'TinyNet', stemChannels: 16, stageChannels: [32, 64, 128, 128], outIndices: [1, 2, 3] },
    neck: { type: 'FPN', inChannels: [64, 128, 128], outChannels: 64, startLevel: 0, addExtraConvs: false, numOuts: 3 },
    bboxHead: {
      type: 'RetinaHead',
      inChannels: 64,
      featChannels: 64,
      stackedConvs: 2,
      anchorGenerator: { type: 'AnchorGenerator', octaveBaseScale: 3, scalesPerOctave: 2, ratios: [0.5, 1, 2], strides: [8, 16, 32] },
      bboxCoder: { type: 'DeltaXYWHBBoxCoder', targetMeans: [0, 0, 0, 0], targetStds: [1, 1, 1, 1] },
      lossCls: { type: 'FocalLoss', useSigmoid: true, gamma: 2, alpha: 0.25, lossWeight: 1 },
      lossBbox: { type: 'L1Loss', lossWeight: 1 },
    },
    trainCfg: {
      assigner: { type: 'MaxIoUAssigner', posIouThr: 0.5, negIouThr: 0.4, minPosIou: 0, ignoreIofThr: -1 },
      allowedBorder: -1,
      posWeight: -1,
      debug: false,
    },
    testCfg: { nmsPre: 1000, minBboxSize: 0, scoreThr: 0.05, nms: { type: 'nms', iouThreshold: 0.5 }, maxPerImg: 100 },
  },
});
