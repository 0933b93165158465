import * as tf from '@tensorflow/tfjs-core';
import { activeBackendHas, installGradient } from '../backend/kernel-registry';

/**
 * Fused GroupNorm kernels, registered by backends that have them (webgpu:
 * `webgpu/kernels/group-norm.ts`). x is NHWC; statistics per sample and group of C/G channels.
 *  - GN   {x, gamma, beta}, {numGroups, eps, relu} → [y, stats] with stats [N·G, 2] = (mean, rstd)
 *  - GRAD {x, dy, stats, gamma, y?}, {numGroups, relu} → [dx, dGamma, dBeta]
 * The statistics are an output of the taped kernel, saved for the backward pass like BatchNorm's.
 */
export const GN_KERNEL = 'DetGroupNorm';
export const GN_GRAD_KERNEL = 'DetGroupNormGrad';

const groupNormGradient: tf.GradConfig = {
  kernelName: GN_KERNEL,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [true, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, gamma, y, stats] = saved;
    const relu = Boolean((attrs as { relu?: boolean }).relu);
    const inputs: Record<string, tf.Tensor> = { x, dy: Array.isArray(dy) ? dy[0] : dy, stats, gamma };
    if (relu) inputs.y = y;
    const [dx, dGamma, dBeta] = tf.engine().runKernel(GN_GRAD_KERNEL, inputs, attrs as tf.NamedAttrMap) as tf.Tensor[];
    return { x: () => dx, gamma: () => dGamma, beta: () => dBeta };
  },
};

/**
 * GroupNorm over NHWC x (+ ReLU when `relu`), MMCV's semantics (biased variance, eps inside the
 * square root, per-channel affine). Where the backend has the fused kernels: 3 dispatches forward
 * and 5 backward with the analytic gradient dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = dy·γ and
 * the means over the group; elsewhere the ops (tf.moments over a 5-D view) — the same function.
 */
export function groupNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, numGroups: number, eps: number, relu = false): tf.Tensor {
  if (x.rank === 4 && activeBackendHas(GN_KERNEL, GN_GRAD_KERNEL)) {
    installGradient(groupNormGradient);
    const attrs = { numGroups, eps, relu } as unknown as tf.NamedAttrMap;
    const [y, stats] = tf.engine().runKernel(GN_KERNEL, { x, gamma, beta }, attrs) as tf.Tensor[];
    stats.dispose(); // still saved for the backward pass while a gradient is being taped
    return y;
  }
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const grouped = tf.reshape(x, [n, h, w, numGroups, c / numGroups]);
    const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
    const normed = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, eps)));
    const y = tf.add(tf.mul(tf.reshape(normed, [n, h, w, c]), gamma), beta);
    return relu ? tf.relu(y) : y;
  });
}
