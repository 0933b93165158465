import { defineConfig } from '@det/registry';

// RetinaNet R-50-FPN, 1x schedule on COCO 2017 (MMDetection's configs/retinanet/retinanet_r50_fpn_1x_coco.py).
// Point the data at a COCO download with --cfg-options data.train.dataRoot=/data/coco ... (see the dataset base).
export default defineConfig({
  _base_: ['../_base_/models/retinanet_r50_fpn.ts', '../_base_/datasets/coco_detection.ts', '../_base_/schedules/schedule_1x.ts', '../_base_/default_runtime.ts'],
  // RetinaNet's 1x uses half the Faster R-CNN learning rate.
  optimizer: { type: 'SGD', lr: 0.01, momentum: 0.9, weightDecay: 0.0001 },
});
