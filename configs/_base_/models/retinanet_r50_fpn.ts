import { defineConfig } from '@det/registry';

// RetinaNet R-50-FPN with MMDetection 2.x's hyper-parameters (configs/_base_/models/retinanet_r50_fpn.py).
// numClasses is left out: det fills it from the dataset's classes (set it to override).
export default defineConfig({
  model: {
    type: 'RetinaNet',
    backbone: {
      type: 'ResNet',
      depth: 50,
      numStages: 4,
      outIndices: [0, 1, 2, 3],
      frozenStages: 1,
      normCfg: { type: 'BN', requiresGrad: true },
      normEval: true,
      style: 'pytorch',
      initCfg: { type: 'Pretrained', checkpoint: 'torchvision://resnet50' },
    },
    neck: { type: 'FPN', inChannels: [256, 512, 1024, 2048], outChannels: 256, startLevel: 1, addExtraConvs: 'on_input', numOuts: 5 },
    bboxHead: {
      type: 'RetinaHead',
      inChannels: 256,
      stackedConvs: 4,
      featChannels: 256,
      anchorGenerator: { type: 'AnchorGenerator', octaveBaseScale: 4, scalesPerOctave: 3, ratios: [0.5, 1.0, 2.0], strides: [8, 16, 32, 64, 128] },
      bboxCoder: { type: 'DeltaXYWHBBoxCoder', targetMeans: [0, 0, 0, 0], targetStds: [1, 1, 1, 1] },
      lossCls: { type: 'FocalLoss', useSigmoid: true, gamma: 2.0, alpha: 0.25, lossWeight: 1.0 },
      lossBbox: { type: 'L1Loss', lossWeight: 1.0 },
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
