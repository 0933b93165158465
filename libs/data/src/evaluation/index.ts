// Public API of det's evaluation (re-exported by @det/data).
export * from './coco/types';
export { evaluateCoco, perCategoryAp, cocoSummaryLines, type EvaluateCocoOptions } from './coco/evaluate-coco';
export { defaultCocoParams, type CocoEvalOptions } from './coco/params';
export { validateCocoGt, validateCocoResults } from './coco/validate';
export { formatFixed3 } from './coco/summarize';
export { evaluateVoc, type VocAnnotation, type VocDetections, type VocEvalOptions, type VocEvalResult, type VocClassResult } from './voc/eval-map';
export { averagePrecision, type ApMode } from './voc/average-precision';
