import * as tf from '@tensorflow/tfjs-core';

/**
 * Folds an inference-mode BatchNorm into the preceding conv (HWIO weights): with
 * s = gamma / sqrt(var + eps), conv(x, W)·s + (b − mean)·s + beta == conv(x, W·s) + ((b − mean)·s + beta).
 * Returns new tensors; the inputs are left untouched.
 */
export function foldBatchNorm(
  convW: tf.Tensor4D, convB: tf.Tensor1D | null | undefined, bnGamma: tf.Tensor1D, bnBeta: tf.Tensor1D,
  bnMean: tf.Tensor1D, bnVar: tf.Tensor1D, eps = 1e-5,
): { weight: tf.Tensor4D; bias: tf.Tensor1D } {
  const channels = convW.shape[3];
  for (const [name, t] of Object.entries({ bnGamma, bnBeta, bnMean, bnVar, ...(convB ? { convB } : {}) })) {
    if (t.size !== channels) {
      throw new Error(`foldBatchNorm: ${name} has ${t.size} entries, expected ${channels} (output channels of convW ${convW.shape})`);
    }
  }
  return tf.tidy(() => {
    const scale = tf.div(bnGamma, tf.sqrt(tf.add(bnVar, eps)));
    const weight = tf.mul(convW, scale) as tf.Tensor4D;
    const bias = tf.add(tf.mul(tf.sub(convB ?? tf.zerosLike(bnMean), bnMean), scale), bnBeta) as tf.Tensor1D;
    return { weight, bias };
  });
}

/** conv + bias + ReLU as one fused kernel (the native backend runs it in the GEMM epilogue). */
export function convBiasRelu(
  x: tf.Tensor4D, weight: tf.Tensor4D, bias: tf.Tensor1D, strides: number | [number, number] = 1,
  pad: 'same' | 'valid' | number = 'same',
): tf.Tensor4D {
  return tf.fused.conv2d({ x, filter: weight, bias, strides, pad, activation: 'relu' });
}
