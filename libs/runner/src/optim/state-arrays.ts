import * as tf from '@tensorflow/tfjs-core';
import type { NamedArray } from '@det/registry';

/** Reads a float tensor into a checkpoint-ready array (a copy, so the tensor may be disposed). */
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
