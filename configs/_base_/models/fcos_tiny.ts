import { defineConfig } from '@det/registry';

// FCOS sized for CPU training (2 cores, ~320 px inputs): TinyNet backbone (strides 8/16/32), a
// 64-channel 3-level FPN and a 2-conv GN head with centre sampling and normalised regression.
// Regress ranges split objects of roughly 24–100 px over the three levels.
export default defineConfig({
  model: {
    type: 'FCOS',
    backbone: { type: 'TinyNet', stemChannels: 16, stageChannels: [32, 64, 128, 128], outIndices: [1, 2, 3] },
    neck: { type: 'FPN', inChannels: [64, 128, 128], outChannels: 64, startLevel: 0, addExtraConvs: false, numOuts: 3 },
    bboxHead: {
      type: 'FCOSHead',
      inChannels: 64,
      featChannels: 64,
      stackedConvs: 2,
      strides: [8, 16, 32],
      regressRanges: [[-1, 48], [48, 96], [96, 1e8]],
      normCfg: { type: 'GN', numGroups: 16, requiresGrad: true },
      centerSampling: true,
      centerSampleRadius: 1.5,
      normOnBbox: true,
      centernessOnReg: true,
      lossCls: { type: 'FocalLoss', useSigmoid: true, gamma: 2, alpha: 0.25, lossWeight: 1 },
      lossBbox: { type: 'GIoULoss', lossWeight: 1 },
      lossCenterness: { type: 'CrossEntropyLoss', useSigmoid: true, lossWeight: 1 },
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
