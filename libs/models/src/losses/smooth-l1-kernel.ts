// Smooth L1 / L1 loss as one fused kernel with an analytic gradient, where a backend registers it
// (webgpu: webgpu/kernels/smooth-l1-loss.ts); docs/contracts.md, "Fused kernels by name".
// Elsewhere smooth-l1-loss.ts composes the same function from tfjs ops.
import * as tf from '@tensorflow/tfjs-core';
import { activeBackendHas, installGradient } from '../backend/kernel-registry';

/**
 * {pred, target} (same shape, float32), attrs {beta, reduce, divisor?} → the element losses
 * (d = pred − target; beta 0: |d|; else 0.5·min(|d|, beta)²/beta + max(|d| − beta, 0)) in pred's
 * shape, or (reduce) their sum / divisor (default 1: MMDetection's avgFactor + eps) as a scalar.
 */
export const SMOOTH_L1_KERNEL = 'DetSmoothL1Loss';
/** {pred, target, dy (pred's shape, or one element)}, the forward's attrs → ∂/∂pred (dy / divisor when reduce). */
export const SMOOTH_L1_GRAD_KERNEL = 'DetSmoothL1LossGrad';

export interface SmoothL1KernelAttrs { beta: number; reduce: boolean; divisor?: number }

const smoothL1Gradient: tf.GradConfig = {
  kernelName: SMOOTH_L1_KERNEL,
  inputsToSave: ['pred', 'target'],
  gradFunc: (dy, saved, attrs) => {
    const [pred, target] = saved;
    const dPred = () => tf.engine().runKernel(SMOOTH_L1_GRAD_KERNEL, { pred, target, dy: dy as tf.Tensor }, attrs) as tf.Tensor;
    // the loss depends on pred − target only
    return { pred: dPred, target: () => tf.neg(dPred()) };
  },
};

/** True when the active backend has the fused kernels (and registers their gradient once). */
export function hasFusedSmoothL1(): boolean {
  if (!activeBackendHas(SMOOTH_L1_KERNEL, SMOOTH_L1_GRAD_KERNEL)) return false;
  installGradient(smoothL1Gradient);
  return true;
}

/** The fused kernel: element losses, or their sum / divisor (`reduce`) as a scalar. */
export function runSmoothL1Kernel(pred: tf.Tensor, target: tf.Tensor, attrs: SmoothL1KernelAttrs): tf.Tensor {
  return tf.engine().runKernel(SMOOTH_L1_KERNEL, { pred, target }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}
