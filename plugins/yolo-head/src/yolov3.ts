import { SingleStageDetector } from '@det/models';

/** MMDetection's YOLOV3 detector: a SingleStageDetector whose bboxHead is a YOLOV3Head. */
export class YOLOV3 extends SingleStageDetector {}
