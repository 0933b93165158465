import 'reflect-metadata';

export * from './registry/errors';
export * from './registry/registry';
export * from './registry/root';
export { withOwner, currentOwner } from './registry/owner';
export { nearestName } from './registry/nearest';
export * from './di/services';
export * from './di/tokens';
export * from './di/container';
export * from './logging/logger';
export * from './random/rng';
export * from './io/safetensors';
export * from './config';
export * from './plugins';
export * from './env';
