import * as tf from '@tensorflow/tfjs-core';

/** One-hot [out, in] matrix picking source index floor(i · in / out) for each output i (PyTorch 'nearest'). */
function nearestMatrix(outSize: number, inSize: number): tf.Tensor2D {
  const m = new Float32Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) m[i * inSize + Math.min(Math.floor((i * inSize) / outSize), inSize - 1)] = 1;
  return tf.tensor2d(m, [outSize, inSize]);
}

/** Exact ×2: the gradient of copying each pixel into a 2×2 block is the 2×2 block sum. */
const upsample2x = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor4D;
  const [, h, w] = x.shape;
  return {
    value: tf.image.resizeNearestNeighbor(x, [2 * h, 2 * w], false, false),
    gradFunc: (dy: tf.Tensor) => tf.tidy(() => tf.mul(tf.avgPool(dy as tf.Tensor4D, 2, 2, 'valid'), 4)),
  };
});

/**
 * Nearest-neighbour upsampling of NHWC `x` to [outH, outW], index rule floor(dst · in / out) as
 * PyTorch's F.interpolate(mode='nearest'). Its gradient is written out (2×2 sum-pool for ×2,
 * matMul otherwise) because tfjs-backend-cpu's ResizeNearestNeighborGrad mixes up images when
 * batch > 1, and stack/concat formulations are slow to differentiate there.
 */
export function upsampleNearest(x: tf.Tensor, [outH, outW]: [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    if (outH === 2 * h && outW === 2 * w) return upsample2x(x) as tf.Tensor4D;
    // General sizes: one-hot selection matrices along H, then W.
    let t = tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, n * w * c]);
    t = tf.reshape(tf.matMul(nearestMatrix(outH, h), t), [outH, n, w, c]);
    t = tf.reshape(tf.transpose(t, [2, 1, 0, 3]), [w, n * outH * c]);
    t = tf.reshape(tf.matMul(nearestMatrix(outW, w), t), [outW, n, outH, c]);
    return tf.transpose(t, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}
