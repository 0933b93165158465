// Package-internal barrel for two-stage detection; the public surface is src/index.ts.
export * from './rpn-proposals';
export * from './rpn-head';
export * from './roi-levels';
export * from './single-roi-extractor';
export * from './bbox-targets';
export * from './multiclass-nms';
export * from './roi-bbox-head';
export * from './shared2fc-bbox-head';
export * from './standard-roi-head';
export * from './aug-mapping';
export * from './two-stage-detector';
