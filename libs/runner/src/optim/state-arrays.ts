import * as tf from '@tensorflow/tfjs-core';
import type { NamedArray } from '@det/registry';

/**
 * Awaits `data()` of every tensor, so that later synchronous reads (the sync `stateDict()` APIs)
 * find their values on the host: webgpu keeps the values of a finished read on the CPU, and the
 * other backends hold tensors in host memory anyway. Call it before building a checkpoint.
 */
export async function readToHost(tensors: Iterable<tf.Tensor>): Promise<void> {
  await Promise.all([...tensors].filter((t) => !t.isDisposed).map((t) => t.data()));
}

/**
 * Reads a float tensor into a checkpoint-ready array (a copy, so the tensor may be disposed).
 * Synchronous: on webgpu only after `readToHost` (or another awaited read) of the tensor.
 */
export function tensorToNamedArray(t: tf.Tensor): NamedArray {
  if (t.dtype === 'int32') return { dtype: 'I32', shape: [...t.shape], data: Int32Array.from(t.dataSync() as Int32Array) };
  return { dtype: 'F32', shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) };
}

export function namedArrayToTensor(a: NamedArray): tf.Tensor {
  if (a.dtype === 'I32') return tf.tensor(a.data as Int32Array, a.shape, 'int32');
  return tf.tensor(Float32Array.from(a.data as ArrayLike<number>), a.shape, 'float32');
}

export function isNamedArray(v: unknown): v is NamedArray {
  return typeof v === 'object' && v !== null && ArrayBuffer.isView((v as NamedArray).data) && Array.isArray((v as NamedArray).shape);
}
