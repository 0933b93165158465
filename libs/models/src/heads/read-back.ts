import * as tf from '@tensorflow/tfjs-core';

/**
 * A float tensor's values as a Float32Array (a copy the caller owns), read with `await data()`
 * because webgpu has no synchronous reads; the tensor is disposed even when the read fails.
 */
export async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  try {
    return Float32Array.from((await t.data()) as ArrayLike<number>);
  } finally {
    t.dispose();
  }
}

/**
 * Every tensor's values (copies the caller owns), read concurrently: on webgpu the reads share
 * one wait for the GPU instead of one each. The tensors are disposed even when a read fails.
 */
export async function readAllAndDispose(ts: tf.Tensor[]): Promise<Float32Array[]> {
  try {
    return await Promise.all(ts.map(async (t) => Float32Array.from((await t.data()) as ArrayLike<number>)));
  } finally {
    tf.dispose(ts);
  }
}
