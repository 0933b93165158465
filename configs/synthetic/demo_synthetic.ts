import { defineConfig } from '@det/registry';

// What `det demo` trains: the tiny RetinaNet on a small synthetic shapes set (160×128 images,
// 4 classes, 16–56 px objects), sized so generation + training + evaluation finish within
// 10 minutes on 2 CPU cores. docs/tour.md records the measured time and mAP.
const imgScale: [number, number] = [160, 128];
const set = { numTrain: 400, numVal: 100, imageSize: imgScale, objectSize: [16, 56], numClasses: 4, maxObjects: 3 };
const imgNormCfg = { mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], toRgb: true };
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
  _base_: './retinanet_tiny_synthetic.ts',
  data: {
    samplesPerGpu: 8,
    train: {
      ...set,
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
    val: { ...set, pipeline: testPipeline },
    test: { ...set, pipeline: testPipeline },
  },
  model: {
    // One anchor scale an octave (20 / 40 / 80 px on strides 8 / 16 / 32): a third of the anchors,
    // which matters on a CPU, and still every 16–56 px object overlaps one well.
    bboxHead: { anchorGenerator: { octaveBaseScale: 2.5, scalesPerOctave: 1 } },
  },
  optimizer: { lr: 0.02 },
  lrConfig: { warmupIters: 100, step: [750, 900] },
  runner: { maxIters: 1000 },
  checkpointConfig: { interval: 1000, maxKeepCkpts: 1 },
  logConfig: { interval: 50 },
  evaluation: { interval: 1000 },
});
