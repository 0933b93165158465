import * as tf from '@tensorflow/tfjs-core';
import { activeBackendHas, installGradient } from './kernel-registry';

/** Kernel name of the one-dispatch ReLU gradient (webgpu/kernels/relu-grad.ts). */
export const RELU_GRAD_KERNEL = 'DetReluGrad';

const fusable = (dy: tf.Tensor, x: tf.Tensor) => dy.dtype === 'float32' && x.dtype === 'float32' && activeBackendHas(RELU_GRAD_KERNEL);

/**
 * dy·step(x) — the ReLU gradient as tfjs defines it — as one kernel where the active backend
 * registers `DetReluGrad` (webgpu: one dispatch instead of Step + Multiply), as the two ops
 * elsewhere. `x` may be the ReLU's input or its output.
 */
export function reluBackward(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (fusable(dy, x)) return tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }) as tf.Tensor;
  return tf.mul(dy, tf.step(tf.cast(x, 'float32')));
}

/** The Relu gradient det replaced (tfjs's, or another backend's wrapper): used where the
 *  active backend has no DetReluGrad, so e.g. the native backend keeps its own fast one. */
let replaced: tf.GradConfig | undefined;

const reluGradient: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    if (fusable(dy as tf.Tensor, x) || !replaced) return { x: () => reluBackward(dy as tf.Tensor, x) };
    return replaced.gradFunc(dy, saved, attrs);
  },
};

/** Installs det's Relu gradient (same values as tfjs's) in front of whatever is registered. */
export function registerReluGradient(): void {
  const current = tf.getGradient(tf.Relu);
  if (current === reluGradient) return;
  replaced = current ?? undefined;
  installGradient(reluGradient);
}
