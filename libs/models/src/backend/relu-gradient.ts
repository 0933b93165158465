import * as tf from '@tensorflow/tfjs-core';

/** Kernel name of the one-dispatch ReLU gradient (webgpu/kernels/relu-grad.ts). */
export const RELU_GRAD_KERNEL = 'DetReluGrad';

/**
 * dy·step(x) — the ReLU gradient as tfjs defines it — as one kernel where the active backend
 * registers `DetReluGrad` (webgpu: one dispatch instead of Step + Multiply), as the two ops
 * elsewhere. `x` may be the ReLU's input or its output.
 */
export function reluBackward(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (dy.dtype === 'float32' && x.dtype === 'float32' && tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend())) {
    return tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }) as tf.Tensor;
  }
  return tf.mul(dy, tf.step(tf.cast(x, 'float32')));
}

const reluGradient: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => reluBackward(dy as tf.Tensor, x) };
  },
};

/** Installs det's Relu gradient (same values as tfjs's) in place of whatever is registered. */
export function registerReluGradient(): void {
  if (tf.getGradient(tf.Relu) === reluGradient) return;
  if (tf.getGradient(tf.Relu)) tf.unregisterGradient(tf.Relu);
  tf.registerGradient(reluGradient);
}
