export * from './image-buffer';
export * from './resize';
export * from './geometry';
export * from './sharp-decoder';
