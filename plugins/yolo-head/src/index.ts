import type { DetPlugin } from '@det/registry';
import { GridAssigner } from './grid-assigner';
import { MSELoss } from './mse-loss';
import { YOLOV3 } from './yolov3';
import { YOLOV3Head } from './yolov3-head';

export { YOLOV3Head, type YOLOV3HeadOptions } from './yolov3-head';
export { YOLOV3 } from './yolov3';
export { GridAssigner, iouMatrix, type GridAssignerOptions } from './grid-assigner';
export { MSELoss } from './mse-loss';
export { encodeYolo, decodeYolo } from './yolo-coder';
export { levelPriors, responsibleFlags, type YoloLevel } from './yolo-priors';

/** The plugin: the YOLOV3 detector, its head, the grid assigner and MSELoss. */
const plugin: DetPlugin = {
  name: '@det-contrib/yolo-head',
  apiVersion: 1,
  register(ctx) {
    ctx.registries.detector.add(YOLOV3);
    ctx.registries.head.add(YOLOV3Head);
    ctx.registries.bbox_assigner.add(GridAssigner);
    ctx.registries.loss.add(MSELoss);
  },
};

export default plugin;
