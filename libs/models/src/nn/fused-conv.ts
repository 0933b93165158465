import * as tf from '@tensorflow/tfjs-core';
import { reluBackward } from '../backend/relu-gradient';
import { sharedGradientScale } from '../backend/conv-gradient';

/**
 * activation(conv2d(x, w) + b) as one forward kernel (tfjs's FusedConv2D: bias and ReLU in the
 * GEMM's epilogue) that can be trained. tfjs's own `tf.fused.conv2d` falls back to three ops
 * whenever a gradient is being recorded and the activation is not linear; this op records the
 * fused kernel and gives the same gradient as the ops: dz = dy·step(y) for ReLU (y > 0 exactly
 * where the pre-activation is) or dy, then the conv input/filter gradients and Σ dz for the bias.
 * The two conv gradients get dz's f16 scale computed once where webgpu runs them on matrix units
 * (backend/conv-gradient.ts). NHWC, dilation 1 (what the fused kernel supports on every
 * backend). (`convBiasRelu` from the kernels module is the inference-only form, for folded
 * BatchNorm.)
 */
export function fusedConvBias(
  x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, stride: number, pad: number | 'same' | 'valid', activation: 'linear' | 'relu',
): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, wi, bi, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const y = tf.engine().runKernel(
      'FusedConv2D',
      { x: xi, filter: wi, bias: bi },
      { strides: stride, pad, dataFormat: 'NHWC', dilations: 1, activation },
    ) as tf.Tensor4D;
    save([xi, wi, y]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws, ys] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const dz = activation === 'relu' ? (reluBackward(dy, ys) as tf.Tensor4D) : dy;
      const conv = { strides: stride, pad, dataFormat: 'NHWC' };
      const shared = sharedGradientScale(dz); // webgpu f16 convs: dz's scale, reduced once for both
      return [
        tf.engine().runKernel('Conv2DBackpropInput', { dy: dz, filter: ws, ...shared }, { ...conv, inputShape: xs.shape }) as tf.Tensor,
        tf.engine().runKernel('Conv2DBackpropFilter', { x: xs, dy: dz, ...shared }, { ...conv, filterShape: ws.shape }) as tf.Tensor,
        tf.sum(dz, [0, 1, 2]),
      ];
    };
    return { value: y, gradFunc };
  });
  return op(x, w, b) as tf.Tensor4D;
}

/** relu(conv2d(x, w) + b), trainable, as one forward kernel (fusedConvBias with ReLU). */
export function fusedConvBiasRelu(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, stride: number, pad: number | 'same' | 'valid'): tf.Tensor4D {
  return fusedConvBias(x, w, b, stride, pad, 'relu');
}
