// Smooth L1 and L1 regression losses (MMDetection semantics, element-wise then weight_reduce_loss).
import * as tf from '@tensorflow/tfjs-core';
import { DetError, LOSSES } from '@det/registry';
import { Reduction, checkReduction, LossForwardOptions, LossModuleOptions, ReduceOptions, reduceFusedLoss, weightReduceLoss } from './reduce';
import { hasFusedSmoothL1, runSmoothL1Kernel } from './smooth-l1-kernel';

function checkSameShape(pred: tf.Tensor, target: tf.Tensor, where: string): void {
  if (pred.shape.join(',') !== target.shape.join(',')) {
    throw new DetError(`${where}: pred [${pred.shape.join(',')}] and target [${target.shape.join(',')}] differ in shape`);
  }
}

/**
 * 0.5·d²/beta where |d| < beta, else |d| - 0.5·beta; d = pred - target.
 * Written as 0.5·min(d, beta)²/beta + max(d - beta, 0), which is the same function but built from
 * differentiable ops only (tfjs has no gradient for the `less` a where-mask would need).
 */
export function smoothL1Loss(pred: tf.Tensor, target: tf.Tensor, options: ReduceOptions & { beta?: number } = {}): tf.Tensor {
  const beta = options.beta ?? 1;
  if (!(beta > 0)) throw new DetError(`smoothL1Loss: beta must be > 0, got ${beta}`);
  checkSameShape(pred, target, 'smoothL1Loss');
  if (target.size === 0) return tf.tidy(() => tf.mul(tf.sum(pred), 0));
  const fused = fusedSmoothL1(pred, target, beta, options, 'smoothL1Loss');
  if (fused) return fused;
  return tf.tidy(() => {
    const d = tf.abs(tf.sub(pred, target));
    const inner = tf.minimum(d, beta);
    const loss = tf.add(tf.div(tf.mul(tf.square(inner), 0.5), beta), tf.relu(tf.sub(d, beta)));
    return weightReduceLoss(loss, options, 'smoothL1Loss');
  });
}

/**
 * |pred - target|, with PyTorch's gradient sign(d), 0 at d = 0: written relu(d) + relu(−d) (the
 * same values), since tfjs's Abs gradient is −1 at 0 (kink-gradients.spec.ts).
 */
export function l1Loss(pred: tf.Tensor, target: tf.Tensor, options: ReduceOptions = {}): tf.Tensor {
  checkSameShape(pred, target, 'l1Loss');
  if (target.size === 0) return tf.tidy(() => tf.mul(tf.sum(pred), 0));
  const absDiff = () => {
    const d = tf.sub(pred, target);
    return tf.add(tf.relu(d), tf.relu(tf.neg(d)));
  };
  return fusedSmoothL1(pred, target, 0, options, 'l1Loss') ?? tf.tidy(() => weightReduceLoss(absDiff(), options, 'l1Loss'));
}

/**
 * Through the backend's fused kernel (losses/smooth-l1-kernel.ts; beta 0: L1) when it has one
 * and there is no weight: webgpu runs 1–2 dispatches forward and 1 backward instead of 5–10 and
 * 5–10, with weight_reduce_loss's semantics (reduceFusedLoss: every reduction but 'none' inside
 * the kernel). undefined otherwise.
 */
function fusedSmoothL1(pred: tf.Tensor, target: tf.Tensor, beta: number, options: ReduceOptions, where: string): tf.Tensor | undefined {
  // empty (no positives): the ops, which give what the cpu backend gives
  if (options.weight || pred.size === 0 || pred.dtype !== 'float32' || target.dtype !== 'float32' || !hasFusedSmoothL1()) return undefined;
  return reduceFusedLoss(options, pred.size, where, (reduce, divisor) => runSmoothL1Kernel(pred, target, { beta, reduce, divisor }));
}

/** loss · lossWeight; × 1 is exact, so it is skipped (one dispatch, and its gradient's, on webgpu). */
function scaleLoss(loss: tf.Tensor, lossWeight: number): tf.Tensor {
  return lossWeight === 1 ? loss : tf.mul(loss, lossWeight);
}

@LOSSES.register()
export class SmoothL1Loss {
  readonly beta: number;
  readonly reduction: Reduction;
  readonly lossWeight: number;

  constructor(options: LossModuleOptions & { beta?: number } = {}) {
    this.beta = options.beta ?? 1;
    this.reduction = checkReduction(options.reduction ?? 'mean', 'SmoothL1Loss');
    this.lossWeight = options.lossWeight ?? 1;
  }

  forward(pred: tf.Tensor, target: tf.Tensor, options: LossForwardOptions = {}): tf.Tensor {
    return tf.tidy(() => scaleLoss(smoothL1Loss(pred, target, {
      beta: this.beta, weight: options.weight, avgFactor: options.avgFactor,
      reduction: options.reductionOverride ?? this.reduction,
    }), this.lossWeight));
  }
}

@LOSSES.register()
export class L1Loss {
  readonly reduction: Reduction;
  readonly lossWeight: number;

  constructor(options: LossModuleOptions = {}) {
    this.reduction = checkReduction(options.reduction ?? 'mean', 'L1Loss');
    this.lossWeight = options.lossWeight ?? 1;
  }

  forward(pred: tf.Tensor, target: tf.Tensor, options: LossForwardOptions = {}): tf.Tensor {
    return tf.tidy(() => scaleLoss(l1Loss(pred, target, {
      weight: options.weight, avgFactor: options.avgFactor, reduction: options.reductionOverride ?? this.reduction,
    }), this.lossWeight));
  }
}
