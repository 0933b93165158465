import * as tf from '@tensorflow/tfjs-core';
import type { CheckpointStore, NamedArray } from '@det/registry';
import type { LoadReport, RunnerModel } from '../model/interfaces';
import type { Optimizer } from '../optim/optimizer';
import { namedArrayToTensor, readToHost, tensorToNamedArray } from '../optim/state-arrays';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointContent } from './codec';
import { getCheckpointStore } from './file-store';

export interface SaveCheckpointOptions {
  model: RunnerModel;
  optimizer?: Optimizer;
  meta?: Record<string, unknown>;
  store?: CheckpointStore;
}

/** Snapshot of a model and optimizer as a checkpoint (tensors copied out). */
export function checkpointContent(options: Omit<SaveCheckpointOptions, 'store'>): CheckpointContent {
  const sd = options.model.stateDict();
  const stateDict: Record<string, NamedArray> = {};
  for (const [k, t] of Object.entries(sd)) stateDict[k] = tensorToNamedArray(t);
  return { stateDict, optimizer: options.optimizer?.stateDict(), meta: options.meta ?? {} };
}

/** Writes one checkpoint file atomically through the checkpoint store. */
export async function saveCheckpoint(file: string, options: SaveCheckpointOptions): Promise<void> {
  await readToHost([...Object.values(options.model.stateDict()), ...(options.optimizer?.stateTensors() ?? [])]);
  const bytes = encodeCheckpoint(checkpointContent(options));
  await (options.store ?? getCheckpointStore()).save(file, bytes);
}

export async function loadCheckpoint(file: string, options: { store?: CheckpointStore } = {}): Promise<CheckpointContent> {
  const bytes = await (options.store ?? getCheckpointStore()).load(file);
  return decodeCheckpoint(bytes, file);
}

/**
 * Loads arrays into a model (tensors are made for the call and disposed after). A `module.`
 * prefix (weights saved from a wrapped PyTorch model) is stripped, as MMCV's load_checkpoint does.
 */
export function loadWeightsInto(model: RunnerModel, stateDict: Record<string, NamedArray>, strict: boolean): LoadReport {
  const tensors: Record<string, tf.Tensor> = {};
  for (const [k, a] of Object.entries(stateDict)) tensors[k.replace(/^module\./, '')] = namedArrayToTensor(a);
  try {
    return model.loadStateDict(tensors, { strict });
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
