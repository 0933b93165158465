// The sigmoid focal loss from class labels as one fused kernel with an analytic gradient, where a
// backend registers it (webgpu: webgpu/kernels/focal-loss.ts); docs/contracts.md, "Fused kernels
// by name". Elsewhere focal-loss.ts composes the same function from tfjs ops.
import * as tf from '@tensorflow/tfjs-core';
import { activeBackendHas, installGradient } from '../backend/kernel-registry';

/**
 * {pred [N,C] float32, labels [N] int32 (a positive where labels[n] == c; anything outside
 * [0, C) is background), weight [N] float32}, attrs {gamma, alpha, reduce, divisor?} → the
 * element losses α_t·BCE·(1 − p_t)^γ·weight[n] as [N,C], or (reduce) their sum / divisor (default
 * 1: MMDetection's avgFactor + eps) as a scalar. alpha < 0: no α_t. (weight is not optional:
 * tfjs saves inputs for the gradient by name, and a missing one fails.)
 */
export const FOCAL_LOSS_KERNEL = 'DetSigmoidFocalLoss';
/** {pred, labels, weight, dy ([N,C], or one element)}, the forward's attrs → ∂/∂pred [N,C] (dy / divisor when reduce). */
export const FOCAL_LOSS_GRAD_KERNEL = 'DetSigmoidFocalLossGrad';

export interface FocalKernelAttrs { gamma: number; alpha: number; reduce: boolean; divisor?: number }

/**
 * The [N,C]-target form (MMDetection's py_sigmoid_focal_loss, targets in [0, 1]): {pred, target}
 * (same shape, float32), the same attrs → element losses BCE(x, t)·(1 − p_t)^γ·α_t with
 * p_t = p·t + (1 − p)·(1 − t), α_t = α·t + (1 − α)·(1 − t), or (reduce) their sum / divisor.
 */
export const FOCAL_TARGETS_KERNEL = 'DetSigmoidFocalLossTargets';
/** {pred, target, dy}, the forward's attrs plus wrt ('pred' | 'target') → that input's gradient (dy / divisor when reduce). */
export const FOCAL_TARGETS_GRAD_KERNEL = 'DetSigmoidFocalLossTargetsGrad';

const focalGradient: tf.GradConfig = {
  kernelName: FOCAL_LOSS_KERNEL,
  inputsToSave: ['pred', 'labels', 'weight'],
  gradFunc: (dy, saved, attrs) => {
    const [pred, labels, weight] = saved;
    const g = dy as tf.Tensor;
    const { gamma, alpha, reduce, divisor = 1 } = attrs as unknown as FocalKernelAttrs;
    return {
      pred: () => tf.engine().runKernel(FOCAL_LOSS_GRAD_KERNEL, { pred, labels, weight, dy: g }, attrs) as tf.Tensor,
      labels: () => tf.zeros(labels.shape),
      // Σ_c (loss with weight 1)[n, c]·dy: only when a caller differentiates the weights
      weight: () => {
        const ones = tf.onesLike(weight);
        const unweighted = tf.engine().runKernel(FOCAL_LOSS_KERNEL, { pred, labels, weight: ones }, { gamma, alpha, reduce: false }) as tf.Tensor;
        const summed = tf.sum(tf.mul(unweighted, g), 1);
        return reduce && divisor !== 1 ? tf.div(summed, divisor) : summed;
      },
    };
  },
};

const focalTargetsGradient: tf.GradConfig = {
  kernelName: FOCAL_TARGETS_KERNEL,
  inputsToSave: ['pred', 'target'],
  gradFunc: (dy, saved, attrs) => {
    const [pred, target] = saved;
    const grad = (wrt: 'pred' | 'target') => () =>
      tf.engine().runKernel(FOCAL_TARGETS_GRAD_KERNEL, { pred, target, dy: dy as tf.Tensor }, { ...attrs, wrt } as unknown as tf.NamedAttrMap) as tf.Tensor;
    return { pred: grad('pred'), target: grad('target') };
  },
};

/** True when the active backend has the fused [N,C]-target kernels (and registers their gradient once). */
export function hasFusedFocalTargets(): boolean {
  if (!activeBackendHas(FOCAL_TARGETS_KERNEL, FOCAL_TARGETS_GRAD_KERNEL)) return false;
  installGradient(focalTargetsGradient);
  return true;
}

/** The fused [N,C]-target kernel: element losses, or their sum / divisor (`reduce`) as a scalar. */
export function runFocalTargetsKernel(pred: tf.Tensor, target: tf.Tensor, attrs: FocalKernelAttrs): tf.Tensor {
  return tf.engine().runKernel(FOCAL_TARGETS_KERNEL, { pred, target }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** True when the active backend has the fused kernels (and registers their gradient once). */
export function hasFusedFocalLoss(): boolean {
  if (!activeBackendHas(FOCAL_LOSS_KERNEL, FOCAL_LOSS_GRAD_KERNEL)) return false;
  installGradient(focalGradient);
  return true;
}

/** The fused kernel: [N,C] weighted element losses, or their sum (`reduce`) as a scalar. */
export function runFocalLossKernel(pred: tf.Tensor, labels: tf.Tensor, weight: tf.Tensor, attrs: FocalKernelAttrs): tf.Tensor {
  return tf.engine().runKernel(FOCAL_LOSS_KERNEL, { pred, labels, weight }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}
