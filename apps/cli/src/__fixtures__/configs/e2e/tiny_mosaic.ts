import { defineConfig } from '@det/registry';

// The tiny test setup with @det-contrib/mosaic's CachedMosaic in the training pipeline.
export default defineConfig({
  _base_: './tiny_retinanet.ts',
  data: {
    train: {
      pipeline: [
        { type: 'LoadImageFromFile' },
        { type: 'LoadAnnotations', withBbox: true },
        { type: 'CachedMosaic', imgScale: [64, 64], maxCachedImages: 8 },
        { type: 'Resize', imgScale: [64, 64], keepRatio: true },
        { type: 'Normalize', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], toRgb: true },
        { type: 'Pad', sizeDivisor: 32 },
        { type: 'DefaultFormatBundle' },
        { type: 'Collect', keys: ['img', 'gtBboxes', 'gtLabels'] },
      ],
    },
  },
  runner: { maxIters: 4 },
  evaluation: { interval: 4 },
  checkpointConfig: { interval: 4 },
});
