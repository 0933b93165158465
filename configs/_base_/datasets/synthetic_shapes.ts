import { defineConfig } from '@det/registry';

// det's synthetic shapes set (coloured shapes on noisy backgrounds, COCO format), generated into
// `dataRoot` on first use: 400 train / 100 val images of 320×240 with 8 classes by default.
// Everything here is small so a CPU trains a detector on it in minutes.
const dataRoot = 'data/synthetic_shapes';
const imgNormCfg = { mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], toRgb: true };
const imgScale: [number, number] = [320, 240];

const testPipeline = [
  { type: 'LoadImageFromFile' },
  {
    type: 'MultiScaleFlipAug',
    imgScale,
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
    samplesPerGpu: 8,
    workersPerGpu: 0,
    train: {
      type: 'SyntheticShapesDataset',
      dataRoot,
      split: 'train',
      pipeline: [
        { type: 'LoadImageFromFile' },
        { type: 'LoadAnnotations', withBbox: true },
        { type: 'Resize', imgScale, keepRatio: true },
        { type: 'RandomFlip', flipRatio: 0.5 },
        { type: 'Normalize', ...imgNormCfg },
        { type: 'Pad', sizeDivisor: 32 },
        { type: 'DefaultFormatBundle' },
        { type: 'Collect', keys: ['img', 'gtBboxes', 'gtLabels'] },
      ],
    },
    val: {
      type: 'SyntheticShapesDataset',
      dataRoot,
      split: 'val',
      testMode: true,
      pipeline: testPipeline,
    },
    test: {
      type: 'SyntheticShapesDataset',
      dataRoot,
      split: 'val',
      testMode: true,
      pipeline: testPipeline,
    },
  },
  evaluation: { interval: 1, metric: 'bbox' },
});
