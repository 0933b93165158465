export * from './sampler';
export * from './group-sampler';
export * from './distributed-sampler';
export * from './distributed-group-sampler';
