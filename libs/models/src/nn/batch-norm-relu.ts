import * as tf from '@tensorflow/tfjs-core';
import { reluBackward } from '../backend/relu-gradient';
import { activeBackendHas, installGradient } from '../backend/kernel-registry';
import { BATCH_NORM_GRAD_KERNEL, fusedBatchNormGradients } from '../kernels/native-batchnorm';

/**
 * relu(tf.batchNorm(x, mean, variance, offset, scale)) with given statistics (eval-mode and
 * frozen BatchNorm, e.g. a ResNet backbone with `normEval`) as one kernel where the backend
 * registers it (webgpu: one pass instead of two). Inputs {x, mean, variance, scale, offset}
 * (channel vectors of the last axis), attr {varianceEpsilon}. Its gradient on webgpu is the fused
 * BatchNorm gradient with the ReLU mask applied inside its passes (no separate ReLU pass).
 */
export const BN_RELU_KERNEL = 'DetBatchNormRelu';

const bnReluGradient: tf.GradConfig = {
  kernelName: BN_RELU_KERNEL,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, mean, variance, scale, y] = saved;
    const g = Array.isArray(dy) ? dy[0] : dy;
    const varianceEpsilon = Number((attrs as { varianceEpsilon?: number }).varianceEpsilon);
    // webgpu's fused BatchNorm gradient applies the ReLU mask inside its own passes
    if (tf.getBackend() === 'webgpu' && tf.getKernel(BATCH_NORM_GRAD_KERNEL, 'webgpu')) {
      return fusedBatchNormGradients({ x, dy: g, mean, variance, scale, y }, varianceEpsilon);
    }
    // elsewhere: the ReLU's mask, then whatever gradient tf.batchNorm has on this backend
    const batchNorm = tf.getGradient(tf.FusedBatchNorm);
    if (!batchNorm) throw new Error(`${BN_RELU_KERNEL}: tfjs has no gradient for ${tf.FusedBatchNorm} registered: call ensureGradients() from @det/models before training`);
    return batchNorm.gradFunc(reluBackward(g, y), [x, mean, variance, scale], attrs);
  },
};

export function batchNormRelu(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, offset: tf.Tensor, scale: tf.Tensor, varianceEpsilon: number): tf.Tensor {
  const c = x.shape[x.rank - 1];
  const fusable = [mean, variance, offset, scale].every((t) => t.rank === 1 && t.size === c) && x.dtype === 'float32';
  if (!fusable || !activeBackendHas(BN_RELU_KERNEL)) {
    return tf.relu(tf.batchNorm(x as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D, offset as tf.Tensor1D, scale as tf.Tensor1D, varianceEpsilon));
  }
  installGradient(bnReluGradient);
  return tf.engine().runKernel(BN_RELU_KERNEL, { x, mean, variance, scale, offset }, { varianceEpsilon } as unknown as tf.NamedAttrMap) as tf.Tensor;
}
