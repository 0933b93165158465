import { defineConfig } from '@det/registry';

// YOLOv3 from the example plugin @det-contrib/yolo-head (plugins/yolo-head), on the synthetic
// shapes set with the TinyNet backbone (strides 8/16/32, no neck). The `plugins` key loads it;
// `det train configs/yolo/yolov3_tiny_synthetic.ts --plugin @det-contrib/yolo-head` does the same.
export default defineConfig({
  _base_: ['../_base_/datasets/synthetic_shapes.ts', '../synthetic/schedule_synthetic.ts', '../_base_/default_runtime.ts'],
  plugins: ['@det-contrib/yolo-head'],
  model: {
    type: 'YOLOV3',
    backbone: { type: 'TinyNet', stemChannels: 16, stageChannels: [32, 64, 128, 128], outIndices: [1, 2, 3] },
    bboxHead: {
      type: 'YOLOV3Head',
      inChannels: [64, 128, 128],
      outChannels: [64, 128, 128],
      featmapStrides: [8, 16, 32],
      // Three anchors a level sized for the set's 24–96 px shapes (MMDetection's YOLOAnchorGenerator).
      anchorGenerator: {
        type: 'YOLOAnchorGenerator',
        baseSizes: [
          [[24, 24], [32, 18], [18, 32]],
          [[44, 44], [60, 34], [34, 60]],
          [[80, 80], [100, 60], [60, 100]],
        ],
      },
      lossCls: { type: 'CrossEntropyLoss', useSigmoid: true, lossWeight: 1, reduction: 'sum' },
      lossConf: { type: 'CrossEntropyLoss', useSigmoid: true, lossWeight: 1, reduction: 'sum' },
      lossXY: { type: 'CrossEntropyLoss', useSigmoid: true, lossWeight: 2, reduction: 'sum' },
      lossWH: { type: 'MSELoss', lossWeight: 2, reduction: 'sum' },
    },
    trainCfg: { assigner: { type: 'GridAssigner', posIouThr: 0.5, negIouThr: 0.5, minPosIou: 0 } },
    testCfg: { nmsPre: 1000, minBboxSize: 0, scoreThr: 0.05, confThr: 0.005, nms: { type: 'nms', iouThreshold: 0.45 }, maxPerImg: 100 },
  },
  optimizer: { lr: 0.001 },
  optimizerConfig: { gradClip: { maxNorm: 35, normType: 2 } },
  checkpointConfig: { interval: 500, maxKeepCkpts: 2 },
  logConfig: { interval: 20 },
  evaluation: { interval: 500, metric: 'bbox' },
});
