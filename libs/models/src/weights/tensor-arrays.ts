import * as tf from '@tensorflow/tfjs-core';
import { DetError, NamedArray } from '@det/registry';

/**
 * A tensor's values as a safetensors array (float32 → F32, int32 → I32, bool → U8). Async: read
 * with `await data()`, the only read webgpu allows.
 */
export async function tensorToNamedArray(name: string, t: tf.Tensor): Promise<NamedArray> {
  if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') {
    throw new DetError(`saveWeights: tensor '${name}' has dtype ${t.dtype}, which det does not store`);
  }
  const data = await t.data();
  switch (t.dtype) {
    case 'float32':
      return { dtype: 'F32', shape: [...t.shape], data: Float32Array.from(data as Float32Array) };
    case 'int32':
      return { dtype: 'I32', shape: [...t.shape], data: Int32Array.from(data as Int32Array) };
    case 'bool':
      return { dtype: 'U8', shape: [...t.shape], data: Uint8Array.from(data as Uint8Array) };
    default:
      throw new DetError(`saveWeights: tensor '${name}' has dtype ${t.dtype}, which det does not store`);
  }
}

/**
 * A safetensors array as a tensor. F64 becomes float32 and I64 becomes int32 (tfjs has neither),
 * which is how PyTorch's int64 `num_batches_tracked` arrives.
 */
export function namedArrayToTensor(name: string, a: NamedArray, source: string): tf.Tensor {
  switch (a.dtype) {
    case 'F32':
      return tf.tensor(a.data as Float32Array, a.shape, 'float32');
    case 'F64':
      return tf.tensor(Float32Array.from(a.data as Float64Array), a.shape, 'float32');
    case 'I32':
      return tf.tensor(a.data as Int32Array, a.shape, 'int32');
    case 'I64':
      return tf.tensor(Int32Array.from(a.data as BigInt64Array, (v) => Number(v)), a.shape, 'int32');
    case 'U8':
    case 'I8':
    case 'BOOL':
      return tf.tensor(Int32Array.from(a.data as Uint8Array), a.shape, 'int32');
    default:
      throw new DetError(`${source}: tensor '${name}' has unsupported dtype ${String(a.dtype)}`);
  }
}
