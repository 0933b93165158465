import { defineConfig } from '@det/registry';

// FCOS R-50 (Caffe-style weights) + FPN with a GroupNorm head, 1x schedule on COCO
// (MMDetection's configs/fcos/fcos_r50_caffe_fpn_gn-head_1x_coco.py, camelCase keys).
const imgNormCfg = { mean: [103.53, 116.28, 123.675], std: [1.0, 1.0, 1.0], toRgb: false };

export default defineConfig({
  _base_: ['../_base_/models/fcos_r50_fpn.ts', '../_base_/datasets/coco_detection.ts', '../_base_/schedules/schedule_1x.ts', '../_base_/default_runtime.ts'],
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
