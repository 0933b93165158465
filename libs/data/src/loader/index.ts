export * from './collate';
export * from './build-data-loader';
export { runInWorkerSync } from './run-sync';
