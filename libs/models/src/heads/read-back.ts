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
