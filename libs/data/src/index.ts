// Datasets, pipelines, samplers, loader and image decoding (owner: data engineer)
export * from './image';
export * from './pipelines';
export * from './datasets';
export * from './samplers';
export * from './loader';
// The dataset class wins over evaluation's COCO-dict interface of the same name (see docs/contracts.md).
export { CocoDataset } from './datasets';
// COCO bbox / VOC mAP evaluation, metrics and the per-category table (owner: evaluation engineer)
export * from './evaluation';
