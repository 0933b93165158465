import { defineConfig } from '@det/registry';

// COCO 2017 detection. Point `dataRoot` at a real COCO download
// (annotations/instances_train2017.json, train2017/, val2017/), e.g.
//   det train configs/retinanet/retinanet_r50_fpn_1x_coco.ts \
//     --cfg-options data.train.dataRoot=/data/coco data.val.dataRoot=/data/coco data.test.dataRoot=/data/coco
// (`annFile` and `imgPrefix` are relative to `dataRoot`).
const dataRoot = 'data/coco';
const imgNormCfg = { mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], toRgb: true };

const testPipeline = [
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

export default defineConfig({
  data: {
    samplesPerGpu: 2,
    workersPerGpu: 2,
    train: {
      type: 'CocoDataset',
      dataRoot,
      annFile: 'annotations/instances_train2017.json',
      imgPrefix: 'train2017/',
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
    val: {
      type: 'CocoDataset',
      dataRoot,
      annFile: 'annotations/instances_val2017.json',
      imgPrefix: 'val2017/',
      testMode: true,
      pipeline: testPipeline,
    },
    test: {
      type: 'CocoDataset',
      dataRoot,
      annFile: 'annotations/instances_val2017.json',
      imgPrefix: 'val2017/',
      testMode: true,
      pipeline: testPipeline,
    },
  },
  evaluation: { interval: 1, metric: 'bbox' },
});
