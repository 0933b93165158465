// mmdet.apis for det: the logic behind train / test / infer / demo / analyze-logs.
export { trainDetector, type TrainOptions, type TrainResult } from './train';
export { testDetector, type TestOptions, type TestResult } from './test';
export { inferImages, expandImageInputs, formatDetections, type InferOptions, type InferResult, type InferDetection } from './infer';
export { runDemo, formatDemoReport, DEMO_CONFIG, type DemoOptions, type DemoResult } from './demo';
export { analyzeLogs, formatSummary, type AnalyzeLogsOptions, type KeySummary } from './analyze-logs';
export { readJsonLog, logCurves, type LogCurves, type Series } from './log-curves';
export { curvesSvg, niceTicks } from './plot-svg';
export { drawDetections, detectionsSvg, type Detections } from './draw';
export { loadDetectorWeights, describeLoadReport } from './weights';
export { buildDataset, buildDetector, withNumClasses } from './build';
