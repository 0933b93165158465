import { defineConfig } from '@det/registry';

// FCOS R-50 (Caffe-style weights) + FPN with a GroupNorm head, 1x schedule on COCO
// (MMDetection's configs/fcos/fcos_r50_caffe_fpn_gn-head_1x_coco.py, camelCase keys).
const imgNormCfg = { mean: [103.53, 116.28, 123.675], std: [1.0, 1.0, 1.0], toRgb: false };

export default defineConfig({
  _base_: ['../_base_/datasets/coco_detection.ts', '../_base_/schedules/schedule_1x.ts', '../_base_/default_runtime.ts'],
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
    neck: {
      type: 'FPN',
      inChannels: [256, 512, 1024, 2048],
      outChannels: 256,
      startLevel: 1,
      addExtraConvs: 'on_output',
      numOuts: 5,
      reluBeforeExtraConvs: true,
    },
    bboxHead: {
      type: 'FCOSHead',
      numClasses: 80,
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
  data: {
    samplesPerGpu: 2,
    workersPerGpu: 2,
    train: {
      pipeline: [
        { type: 'LoadImageFromFile' },
        { type: 'LoadAnnotations', withBbox: true },
        { type: 'Resize', imgScale: [1333, 800], keepRatio: true },
        { type: 'RandomFlip', flipRatio: 0.5 },
        { type: 'Normalize', ...imgNormCfg },
        { type: 'Pad', sizeDivisor: 32 },
        { type: 'DefaultFormatBundle' },
        { type: 'Collect', keys: ['img', 'gtBboxes', 'gtLabels'] },
      ],
    },
    val: { pipeline: testPipeline() },
    test: { pipeline: testPipeline() },
  },
  // MMDetection: lr 0.01, doubled bias LR and no bias decay, constant warm-up, gradient clipping.
  optimizer: { lr: 0.01, paramwiseCfg: { biasLrMult: 2.0, biasDecayMult: 0.0 } },
  optimizerConfig: { gradClip: { maxNorm: 35, normType: 2 } },
  lrConfig: { policy: 'step', warmup: 'constant', warmupIters: 500, warmupRatio: 1.0 / 3, step: [8, 11] },
  runner: { type: 'EpochBasedRunner', maxEpochs: 12 },
});

function testPipeline() {
  return [
    { type: 'LoadImageFromFile' },
    {
      type: 'MultiScaleFlipAug',
      imgScale: [1333, 800],
      flip: false,
      transforms: [
        { type: 'Resize', keepRatio: true },
        { type: 'RandomFlip' },
        { type: 'Normalize', ...imgNormCfg },
        { type: 'Pad', sizeDivisor: 32 },
        { type: 'DefaultFormatBundle' },
        { type: 'Collect', keys: ['img'] },
      ],
    },
  ];
}
