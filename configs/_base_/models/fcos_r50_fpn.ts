import { defineConfig } from '@det/registry';

// FCOS R-50-FPN with a GN head, MMDetection 2.x's hyper-parameters
// (configs/fcos/fcos_r50_caffe_fpn_gn-head_1x_coco.py: caffe-style ResNet with frozen BN, P6/P7
// from P5 with a ReLU before the extra convs). numClasses is filled from the dataset's classes.
export default defineConfig({
  model: {
    type: 'FCOS',
    backbone: {
      type: 'ResNet',
      depth: 50,
      numStages: 4,
      outIndices: [0, 1, 2, 3],
      frozenStages: 1,
      normCfg: { type: 'BN', requiresGrad: false },
      normEval: true,
      style: 'caffe',
      initCfg: { type: 'Pretrained', checkpoint: 'open-mmlab://detectron/resnet50_caffe' },
    },
    neck: { type: 'FPN', inChannels: [256, 512, 1024, 2048], outChannels: 256, startLevel: 1, addExtraConvs: 'on_output', numOuts: 5, reluBeforeExtraConvs: true },
    bboxHead: {
      type: 'FCOSHead',
      inChannels: 256,
      stackedConvs: 4,
      featChannels: 256,
      strides: [8, 16, 32, 64, 128],
      normCfg: { type: 'GN', numGroups: 32, requiresGrad: true },
      lossCls: { type: 'FocalLoss', useSigmoid: true, gamma: 2.0, alpha: 0.25, lossWeight: 1.0 },
      lossBbox: { type: 'IoULoss', lossWeight: 1.0 },
      lossCenterness: { type: 'CrossEntropyLoss', useSigmoid: true, lossWeight: 1.0 },
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
