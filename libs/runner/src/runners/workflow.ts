import { DetError } from '@det/registry';
import type { DataLoaderLike } from '../model/interfaces';
import type { WorkflowPhase } from './base-runner';

/** Checks a workflow against its loaders; it must train, or `run` would never end. */
export function validateWorkflow(dataLoaders: DataLoaderLike[], workflow: WorkflowPhase[]): void {
  if (!Array.isArray(workflow) || workflow.length === 0) throw new DetError(`workflow must be a non-empty list like [['train', 1]]`);
  if (dataLoaders.length !== workflow.length) {
    throw new DetError(`workflow has ${workflow.length} phases but ${dataLoaders.length} data loaders were given (one per phase)`);
  }
  workflow.forEach(([mode, count], i) => {
    if (mode !== 'train' && mode !== 'val') throw new DetError(`workflow[${i}]: mode must be 'train' or 'val', got '${mode}'`);
    if (!Number.isInteger(count) || count < 1) throw new DetError(`workflow[${i}]: count must be a positive integer, got ${count}`);
    if (!dataLoaders[i] || typeof dataLoaders[i][Symbol.asyncIterator] !== 'function') {
      throw new DetError(`workflow[${i}] (${mode}): data loader ${i} is not async-iterable`);
    }
  });
  if (!workflow.some(([mode]) => mode === 'train')) {
    throw new DetError(`workflow ${JSON.stringify(workflow)} has no 'train' phase; use the test command to only evaluate`);
  }
}
