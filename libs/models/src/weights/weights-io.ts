import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DetError, decodeSafetensors, encodeSafetensors, NamedArray } from '@det/registry';
import { namedArrayToTensor, tensorToNamedArray } from './tensor-arrays';

export interface LoadedWeights {
  /** New tensors owned by the caller (dispose them, or load them into a model and then dispose). */
  stateDict: Record<string, tf.Tensor>;
  metadata: Record<string, string>;
}

/**
 * Writes a state dict as one safetensors file (see docs/weights.md). Written to a temporary file
 * first and renamed, so a crash never leaves a half-written weights file under the final name.
 * Async because tensors are read with `await data()` (webgpu has no synchronous reads).
 */
export async function saveWeights(file: string, stateDict: Record<string, tf.Tensor>, metadata?: Record<string, string>): Promise<void> {
  const arrays: Record<string, NamedArray> = {};
  for (const [name, t] of Object.entries(stateDict)) arrays[name] = await tensorToNamedArray(name, t);
  const bytes = encodeSafetensors(arrays, metadata);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Reads a safetensors file into tensors. */
export function loadWeights(file: string): LoadedWeights {
  if (!fs.existsSync(file)) throw new DetError(`loadWeights: ${file} does not exist`);
  const { tensors, metadata } = decodeSafetensors(new Uint8Array(fs.readFileSync(file)), file);
  const stateDict: Record<string, tf.Tensor> = {};
  try {
    for (const [name, a] of Object.entries(tensors)) stateDict[name] = namedArrayToTensor(name, a, file);
  } catch (e) {
    tf.dispose(Object.values(stateDict));
    throw e;
  }
  return { stateDict, metadata };
}
