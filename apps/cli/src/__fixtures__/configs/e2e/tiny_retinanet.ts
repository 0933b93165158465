import { defineConfig } from '@det/registry';

// The repo's tiny RetinaNet shrunk until a CPU runs a few iterations in seconds: 64×64 images,
// 8-channel layers, 2 iterations. Tests point data.*.dataRoot at a temporary folder.
const tinySet = { numTrain: 8, numVal: 4, imageSize: [64, 64], objectSize: [16, 40], maxObjects: 2, numClasses: 3 };

export default defineConfig({
  _base_: '../../../../../../configs/synthetic/retinanet_tiny_synthetic.ts',
  data: {
    samplesPerGpu: 2,
    train: { ...tinySet, pipeline: pipeline(true) },
    val: { ...tinySet, pipeline: pipeline(false) },
    test: { ...tinySet, pipeline: pipeline(false) },
  },
  model: {
    backbone: { stemChannels: 8, stageChannels: [8, 8, 8, 8], blocksPerStage: 0 },
    neck: { inChannels: [8, 8, 8], outChannels: 8 },
    bboxHead: { inChannels: 8, featChannels: 8, stackedConvs: 1 },
  },
  runner: { maxIters: 2 },
  lrConfig: { warmupIters: 1 },
  checkpointConfig: { interval: 2 },
  logConfig: { interval: 1 },
  evaluation: { interval: 2 },
});

function pipeline(train: boolean) {
  const norm = { type: 'Normalize', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], toRgb: true };
  if (train) {
    return [
      { type: 'LoadImageFromFile' },
      { type: 'LoadAnnotations', withBbox: true },
      { type: 'Resize', imgScale: [64, 64], keepRatio: true },
      { type: 'RandomFlip', flipRatio: 0.5 },
      norm,
      { type: 'Pad', sizeDivisor: 32 },
      { type: 'DefaultFormatBundle' },
      { type: 'Collect', keys: ['img', 'gtBboxes', 'gtLabels'] },
    ];
  }
  return [
    { type: 'LoadImageFromFile' },
    {
      type: 'MultiScaleFlipAug',
      imgScale: [64, 64],
      flip: false,
      transforms: [{ type: 'Resize', keepRatio: true }, { type: 'RandomFlip' }, norm, { type: 'Pad', sizeDivisor: 32 }, { type: 'DefaultFormatBundle' }, { type: 'Collect', keys: ['img'] }],
    },
  ];
}
