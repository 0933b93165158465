// Sigmoid focal loss (RetinaNet), torchvision / MMDetection py_sigmoid_focal_loss semantics.
import * as tf from '@tensorflow/tfjs-core';
import { DetError, LOSSES } from '@det/registry';
import { Reduction, checkReduction, expandRowWeight, LossForwardOptions, LossModuleOptions, ReduceOptions, reduceFusedLoss, weightReduceLoss } from './reduce';
import { hasFusedFocalLoss, hasFusedFocalTargets, runFocalLossKernel, runFocalTargetsKernel } from './focal-loss-kernel';

export interface SigmoidFocalLossOptions extends ReduceOptions {
  gamma?: number;
  /** Weight of positives; negatives get 1 - alpha. alpha < 0 disables it (torchvision). */
  alpha?: number;
}

/**
 * Turns class labels [N] (value C = background) into one-hot targets [N,C]; float targets
 * [N,C] pass through.
 */
export function focalTargets(target: tf.Tensor, numClasses: number): tf.Tensor {
  if (target.rank === 2) return tf.cast(target, 'float32');
  return tf.tidy(() => {
    const labels = tf.cast(target, 'int32') as tf.Tensor1D;
    // oneHot leaves rows of labels outside [0, depth) all zero, so depth C already drops the
    // background column; tf.oneHot needs depth ≥ 2, hence C + 1 and a slice for one class
    if (numClasses >= 2) return tf.cast(tf.oneHot(labels, numClasses), 'float32');
    return tf.cast(tf.slice(tf.oneHot(labels, numClasses + 1), [0, 0], [-1, numClasses]), 'float32');
  });
}

/**
 * Element-wise BCE-with-logits, stable form: max(x,0) - x·t + log(1 + exp(-|x|)). Its autodiff
 * gradient at x = 0 is σ(0) − t as PyTorch's: relu'(0) = 0 and tfjs's |·|'(0) = −1 give ½ − t
 * (kink-gradients.spec.ts).
 */
export function bceWithLogits(x: tf.Tensor, t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.sub(tf.relu(x), tf.mul(x, t)), tf.log1p(tf.exp(tf.neg(tf.abs(x))))));
}

/**
 * loss = BCE(x, t) · (1 - p_t)^gamma · alpha_t on logits `pred` [N,C]; `target` is labels [N]
 * (C = background) or {0,1} targets [N,C]. Reduced with MMDetection's weight_reduce_loss.
 */
export function sigmoidFocalLoss(pred: tf.Tensor, target: tf.Tensor, options: SigmoidFocalLossOptions = {}): tf.Tensor {
  const { gamma = 2, alpha = 0.25 } = options;
  if (pred.rank !== 2) throw new DetError(`sigmoidFocalLoss: pred must be logits [N,C], got [${pred.shape.join(',')}]`);
  return tf.tidy(() => {
    let loss: tf.Tensor;
    if (target.rank === 1) {
      if (target.shape[0] !== pred.shape[0]) {
        throw new DetError(`sigmoidFocalLoss: ${target.shape[0]} labels for ${pred.shape[0]} rows of pred [${pred.shape.join(',')}]`);
      }
      const fused = fusedFromLabels(pred, target, gamma, alpha, options);
      if (fused) return fused;
      loss = focalFromLabels(pred, target, gamma, alpha);
    } else {
      const t = focalTargets(target, pred.shape[1] as number);
      if (t.shape.join(',') !== pred.shape.join(',')) {
        throw new DetError(`sigmoidFocalLoss: target [${target.shape.join(',')}] does not match pred [${pred.shape.join(',')}]`);
      }
      const fused = fusedFromTargets(pred, t, gamma, alpha, options);
      if (fused) return fused;
      // 1 - p_t written as σ(-x)·t + σ(x)·(1-t): no cancellation in 1 - σ(x) for confident logits.
      const oneMinusPt = tf.add(tf.mul(tf.sigmoid(tf.neg(pred)), t), tf.mul(tf.sigmoid(pred), tf.sub(1, t)));
      loss = tf.mul(bceWithLogits(pred, t), tf.pow(oneMinusPt, gamma));
      if (alpha >= 0) loss = tf.mul(loss, tf.add(tf.mul(t, alpha), tf.mul(tf.sub(1, t), 1 - alpha)));
    }
    const weight = expandRowWeight(options.weight, loss, 'sigmoidFocalLoss');
    return weightReduceLoss(loss, { ...options, weight }, 'sigmoidFocalLoss');
  });
}

/**
 * The element-wise focal loss from class labels [N], with targets known to be one-hot: z = x on
 * negatives and -x on positives gives 1 - p_t = σ(z) and BCE = relu(z) + log1p(exp(-|z|)), the
 * same float values as the [N,C]-target form in about half the ops (each op is a recorded
 * kernel: on webgpu the host cost of a step grows with their number, forward and backward).
 */
function focalFromLabels(x: tf.Tensor, labels: tf.Tensor, gamma: number, alpha: number): tf.Tensor {
  const C = x.shape[1] as number;
  const y = tf.cast(labels, 'int32') as tf.Tensor1D;
  // int 0/1 per element: oneHot drops labels outside [0, C) (background); it needs depth ≥ 2
  const isPos = C >= 2 ? tf.oneHot(y, C) : tf.slice(tf.oneHot(y, 2), [0, 0], [-1, 1]);
  // per-element constants picked by a gather (an int oneHot can not hold α; wasm's float oneHot writes zeros)
  const z = tf.mul(x, tf.gather(tf.tensor1d([1, -1]), isPos));
  // |z|, not |x| (the same values): at x = 0 autodiff takes relu'(0) = 0 and |·|'(0) = −1
  // (tfjs's Abs gradient), which gives d/dz = ½ = σ(0) only if the |·| is of z itself — with
  // |x| the positives' gradient at 0 came out +½ instead of −½ (kink-gradients.spec.ts)
  const bce = tf.add(tf.relu(z), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
  const loss = tf.mul(bce, tf.pow(tf.sigmoid(z), gamma));
  return alpha >= 0 ? tf.mul(loss, tf.gather(tf.tensor1d([1 - alpha, alpha]), isPos)) : loss;
}

/**
 * The label form through the backend's fused kernel (losses/focal-loss-kernel.ts: two dispatches
 * forward, one backward on webgpu, instead of ~40 in all), with weight_reduce_loss's
 * semantics (reduceFusedLoss: every reduction but 'none' inside the kernel). undefined where the backend has no such
 * kernel or the weight is not one per row (then the op-by-op path runs).
 */
function fusedFromLabels(pred: tf.Tensor, labels: tf.Tensor, gamma: number, alpha: number, options: ReduceOptions): tf.Tensor | undefined {
  const [n, c] = pred.shape as [number, number];
  const { weight } = options;
  const perRow = weight == null || (weight.rank === 1 && weight.shape[0] === n) || (c === 1 && weight.size === n);
  // empty (no anchors): the ops, which give what the cpu backend gives (a 0-byte binding is invalid)
  if (!perRow || pred.size === 0 || pred.dtype !== 'float32' || !hasFusedFocalLoss()) return undefined;
  return reduceFusedLoss(options, pred.size, 'sigmoidFocalLoss', (reduce, divisor) => {
    const w = weight ? tf.cast(tf.reshape(weight, [n]), 'float32') : tf.fill([n], 1);
    return runFocalLossKernel(pred, tf.cast(labels, 'int32'), w, { gamma, alpha, reduce, divisor });
  });
}

/**
 * The [N,C]-target form through the backend's fused kernel (one or two dispatches forward, one
 * backward, instead of ~15 and ~25) when there is no weight; the same reductions as
 * fusedFromLabels. undefined where the backend has no such kernel (then the ops run).
 */
function fusedFromTargets(pred: tf.Tensor, target: tf.Tensor, gamma: number, alpha: number, options: ReduceOptions): tf.Tensor | undefined {
  if (options.weight || pred.size === 0 || pred.dtype !== 'float32' || !hasFusedFocalTargets()) return undefined;
  return reduceFusedLoss(options, pred.size, 'sigmoidFocalLoss', (reduce, divisor) => runFocalTargetsKernel(pred, target, { gamma, alpha, reduce, divisor }));
}

export interface FocalLossOptions extends LossModuleOptions {
  useSigmoid?: boolean;
  gamma?: number;
  alpha?: number;
}

/** MMDetection `FocalLoss` (sigmoid only): forward(pred [N,C], labels [N] or targets [N,C]). */
@LOSSES.register()
export class FocalLoss {
  /** forward takes labels [N] (C = background) and row weights [N] as well as [N,C] targets. */
  readonly takesClassIndices = true;
  readonly gamma: number;
  readonly alpha: number;
  readonly reduction: Reduction;
  readonly lossWeight: number;

  constructor(options: FocalLossOptions = {}) {
    if (options.useSigmoid === false) throw new DetError('FocalLoss: only useSigmoid: true is supported');
    this.gamma = options.gamma ?? 2;
    this.alpha = options.alpha ?? 0.25;
    this.reduction = checkReduction(options.reduction ?? 'mean', 'FocalLoss');
    this.lossWeight = options.lossWeight ?? 1;
  }

  forward(pred: tf.Tensor, target: tf.Tensor, options: LossForwardOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const loss = sigmoidFocalLoss(pred, target, {
        gamma: this.gamma,
        alpha: this.alpha,
        weight: options.weight,
        avgFactor: options.avgFactor,
        reduction: options.reductionOverride ?? this.reduction,
      });
      // × 1 is exact: skip the dispatch (and its gradient's)
      return this.lossWeight === 1 ? loss : tf.mul(loss, this.lossWeight);
    });
  }
}
