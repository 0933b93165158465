import { defineConfig } from '@det/registry';

// PASCAL VOC 2007+2012 trainval for training, VOC2007 test for evaluation (MMDetection's voc0712).
// Point `dataRoot` at a VOCdevkit folder, e.g. --cfg-options data.train.dataset.datasets.0.dataRoot=/data/VOCdevkit/ (and .1, data.val, data.test)
const dataRoot = 'data/VOCdevkit/';
const imgNormCfg = { mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], toRgb: true };
const trainPipeline = [
  { type: 'LoadImageFromFile' },
  { type: 'LoadAnnotations', withBbox: true },
  { type: 'Resize', imgScale: [1000, 600], keepRatio: true },
  { type: 'RandomFlip', flipRatio: 0.5 },
  { type: 'Normalize', ...imgNormCfg },
  { type: 'Pad', sizeDivisor: 32 },
  { type: 'DefaultFormatBundle' },
  { type: 'Collect', keys: ['img', 'gtBboxes', 'gtLabels'] },
];
const testPipeline = [
  { type: 'LoadImageFromFile' },
  {
    type: 'MultiScaleFlipAug',
    imgScale: [1000, 600],
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
      // MMDetection repeats the set 3 times per epoch so one "epoch" is a useful unit.
      type: 'RepeatDataset',
      times: 3,
      dataset: {
        type: 'ConcatDataset',
        datasets: [
          { type: 'VOCDataset', dataRoot, annFile: 'VOC2007/ImageSets/Main/trainval.txt', imgPrefix: 'VOC2007/', pipeline: trainPipeline },
          { type: 'VOCDataset', dataRoot, annFile: 'VOC2012/ImageSets/Main/trainval.txt', imgPrefix: 'VOC2012/', pipeline: trainPipeline },
        ],
      },
    },
    val: { type: 'VOCDataset', dataRoot, annFile: 'VOC2007/ImageSets/Main/test.txt', imgPrefix: 'VOC2007/', testMode: true, pipeline: testPipeline },
    test: { type: 'VOCDataset', dataRoot, annFile: 'VOC2007/ImageSets/Main/test.txt', imgPrefix: 'VOC2007/', testMode: true, pipeline: testPipeline },
  },
  evaluation: { interval: 1, metric: 'mAP' },
});
