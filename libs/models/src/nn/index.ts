// Package-internal barrel for the layer toolkit; the public surface is src/index.ts.
export * from './module';
export * from './init';
export * from './conv2d';
export * from './batch-norm';
export * from './batch-norm-train';
export * from './group-norm';
export * from './group-norm-kernel';
export * from './simple-layers';
export * from './norm';
export * from './conv-module';
export * from './shared-parameters';
export * from './upsample';
export * from './fused-conv';
export * from './atrous-conv';
export * from './batch-norm-relu';
export * from './add-relu';
