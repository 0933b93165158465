// Datasets, pipelines, samplers, loader and image decoding (owner: data engineer)
export * from './image';
export * from './pipelines';
export * from './datasets';
export * from './samplers';
export * from './loader';
// COCO bbox / VOC mAP evaluation, metrics and the per-category table (owner: evaluation engineer)
export * from './evaluation';
