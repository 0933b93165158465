export * from './types';
export * from './errors';
export * from './base-dataset';
export * from './custom-dataset';
export * from './coco-dataset';
export * from './voc-dataset';
export * from './wrappers';
export * from './synthetic-dataset';
export { SHAPE_CLASSES } from './synthetic/shapes';
export {
  generateSyntheticShapes, resolveSyntheticParams, isSyntheticSetCurrent, syntheticClassNames,
  SYNTHETIC_MARKER, type SyntheticShapesParams,
} from './synthetic/generate';
