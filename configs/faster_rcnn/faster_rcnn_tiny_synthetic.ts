import { defineConfig } from '@det/registry';

// Faster R-CNN scaled down for CPU training on the synthetic shapes set (320×240, objects 24–96 px,
// 8 classes): the R-50-FPN recipe with a TinyNet backbone (strides 8/16/32), a 64-channel FPN with
// 3 levels, 3 anchor ratios of 32 px at stride 8, a 256-wide two-FC RoI head on 7×7 RoIAlign
// (2×2 samples per bin) and fewer proposals and sampled RoIs than the COCO config.
export default defineConfig({
  _base_: [
    '../_base_/models/faster_rcnn_r50_fpn.ts',
    '../_base_/datasets/synthetic_shapes.ts',
    '../synthetic/schedule_synthetic.ts',
    '../_base_/default_runtime.ts',
  ],
  checkpointConfig: { interval: 500, maxKeepCkpts: 2 },
  logConfig: { interval: 20 },
  evaluation: { interval: 500, metric: 'bbox' },
  optimizer: { type: 'SGD', lr: 0.02, momentum: 0.9, weightDecay: 0.0001 },
  model: {
    backbone: { _delete_: true, type: 'TinyNet', stemChannels: 16, stageChannels: [32, 64, 128, 128], outIndices: [1, 2, 3] },
    neck: { inChannels: [64, 128, 128], outChannels: 64, numOuts: 3 },
    rpnHead: {
      inChannels: 64,
      featChannels: 64,
      anchorGenerator: { scales: [4], strides: [8, 16, 32] },
    },
    roiHead: {
      // finestScale 32: RoIs under 64 px pool from stride 8, under 128 px from 16, larger from 32
      bboxRoiExtractor: { roiLayer: { samplingRatio: 2 }, outChannels: 64, featmapStrides: [8, 16, 32], finestScale: 32 },
      bboxHead: { inChannels: 64, fcOutChannels: 256 },
    },
    trainCfg: {
      rpn: { sampler: { num: 128 } },
      rpnProposal: { nmsPre: 500, maxPerImg: 200 },
      rcnn: { sampler: { num: 32 } },
    },
    testCfg: { rpn: { nmsPre: 500, maxPerImg: 200 } },
  },
});
