// Public API of det's evaluation (re-exported by @det/data).
export * from './coco/types';
export { evaluateCoco, perCategoryAp, cocoSummaryLines, type EvaluateCocoOptions } from './coco/evaluate-coco';
export { defaultCocoParams, type CocoEvalOptions } from './coco/params';
export { validateCocoGt, validateCocoResults } from './coco/validate';
export { formatFixed3 } from './coco/summarize';
export { evaluateVoc, type VocAnnotation, type VocDetections, type VocEvalOptions, type VocEvalResult, type VocClassResult } from './voc/eval-map';
export { averagePrecision, type ApMode } from './voc/average-precision';
export { formatTable, formatApTable } from './common/table';
export { CocoMetric, COCO_METRIC_ITEMS, type CocoMetricOptions, type CocoEvaluable } from './metrics/coco-metric';
export { VOCMetric, detResultsToVoc, formatVocTable, type VocMetricOptions, type VocEvaluable } from './metrics/voc-metric';
