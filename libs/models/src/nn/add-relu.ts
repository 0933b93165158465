import * as tf from '@tensorflow/tfjs-core';
import { reluBackward } from '../backend/relu-gradient';
import { activeBackendHas, installGradient } from '../backend/kernel-registry';

/** relu(a + b) for same-shape float32 tensors (a residual block's output) as one kernel where
 *  the backend registers it (webgpu), tf.relu(tf.add) elsewhere. Same values either way. */
export const ADD_RELU_KERNEL = 'DetAddRelu';

const addReluGradient: tf.GradConfig = {
  kernelName: ADD_RELU_KERNEL,
  outputsToSave: [true],
  gradFunc: (dy, saved) => {
    const [y] = saved;
    const dz = reluBackward(Array.isArray(dy) ? dy[0] : dy, y);
    return { a: () => dz, b: () => dz };
  },
};

export function addRelu(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const fusable = a.dtype === 'float32' && b.dtype === 'float32' && tf.util.arraysEqual(a.shape, b.shape);
  if (!fusable || !activeBackendHas(ADD_RELU_KERNEL)) return tf.relu(tf.add(a, b));
  installGradient(addReluGradient);
  return tf.engine().runKernel(ADD_RELU_KERNEL, { a, b }) as tf.Tensor;
}
