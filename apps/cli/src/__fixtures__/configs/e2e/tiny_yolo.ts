import { defineConfig } from '@det/registry';

// The tiny test setup with the YOLOv3 head of @det-contrib/yolo-head (load it with --plugin).
export default defineConfig({
  _base_: './tiny_retinanet.ts',
  model: {
    _delete_: true,
    type: 'YOLOV3',
    backbone: { type: 'TinyNet', stemChannels: 8, stageChannels: [8, 8, 8, 8], blocksPerStage: 0, outIndices: [1, 2, 3] },
    bboxHead: {
      type: 'YOLOV3Head',
      inChannels: [8, 8, 8],
      outChannels: [8, 8, 8],
      featmapStrides: [8, 16, 32],
      anchorGenerator: { type: 'YOLOAnchorGenerator', baseSizes: [[[16, 16]], [[28, 28]], [[40, 40]]] },
    },
    testCfg: { scoreThr: 0.0, confThr: 0.0, nms: { type: 'nms', iouThreshold: 0.45 }, maxPerImg: 20 },
  },
});
