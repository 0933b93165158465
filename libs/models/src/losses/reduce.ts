// MMDetection's weight_reduce_loss: element weights, then 'mean' | 'sum' | 'none', with avgFactor.
import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';

export type Reduction = 'none' | 'mean' | 'sum';

/** Options every functional loss accepts (MMDetection's @weighted_loss arguments). */
export interface ReduceOptions {
  /** Element weights, same shape as the loss (or broadcastable, e.g. [N,1]). */
  weight?: tf.Tensor;
  reduction?: Reduction;
  /** With 'mean': divide the weighted sum by avgFactor (+ float32 eps) instead of the count. */
  avgFactor?: number;
}

/** torch.finfo(torch.float32).eps, added to avgFactor as MMDetection does. */
export const FLOAT32_EPS = 1.1920928955078125e-7;

export function checkReduction(reduction: unknown, where: string): Reduction {
  if (reduction !== 'none' && reduction !== 'mean' && reduction !== 'sum') {
    throw new DetError(`${where}: reduction must be 'none', 'mean' or 'sum', got '${String(reduction)}'`);
  }
  return reduction;
}

/** Applies `weight`, then reduces; runs in a tidy so only the result survives. */
export function weightReduceLoss(loss: tf.Tensor, options: ReduceOptions = {}, where = 'loss'): tf.Tensor {
  const reduction = checkReduction(options.reduction ?? 'mean', where);
  const { weight, avgFactor } = options;
  return tf.tidy(() => {
    const weighted = weight ? tf.mul(loss, weight) : loss;
    if (avgFactor === undefined || avgFactor === null) {
      if (reduction === 'mean') return tf.mean(weighted);
      if (reduction === 'sum') return tf.sum(weighted);
      return weighted.clone();
    }
    if (reduction === 'mean') return tf.div(tf.sum(weighted), avgFactor + FLOAT32_EPS);
    if (reduction === 'none') return weighted.clone();
    throw new DetError(`${where}: avgFactor can not be used with reduction 'sum' (got avgFactor ${avgFactor})`);
  });
}

/**
 * weightReduceLoss through a fused loss kernel (weights already applied by the caller, or none)
 * over `count` elements: `run(true, divisor)` gives the total / divisor as a scalar, `run(false, 1)`
 * the element losses. Every reduction but 'none' runs in the kernel: a plain sum (divisor 1), a
 * mean over avgFactor (avgFactor + eps, the same float32 division) or over the count; 'none'
 * returns the kernel's element losses.
 */
export function reduceFusedLoss(options: ReduceOptions, count: number, where: string, run: (reduce: boolean, divisor: number) => tf.Tensor): tf.Tensor {
  const reduction = checkReduction(options.reduction ?? 'mean', where);
  const { avgFactor } = options;
  const hasAvgFactor = avgFactor !== undefined && avgFactor !== null;
  if (reduction === 'sum' && hasAvgFactor) {
    throw new DetError(`${where}: avgFactor can not be used with reduction 'sum' (got avgFactor ${avgFactor})`);
  }
  const divisor = reduction === 'sum' ? 1 : hasAvgFactor ? (avgFactor as number) + FLOAT32_EPS : count;
  return tf.tidy(() => run(reduction !== 'none', reduction === 'none' ? 1 : divisor));
}

/** MMDetection reshapes a per-row weight [N] to [N,1] against an [N,C] loss. */
export function expandRowWeight(weight: tf.Tensor | undefined, loss: tf.Tensor, where: string): tf.Tensor | undefined {
  if (!weight || weight.shape.join(',') === loss.shape.join(',')) return weight;
  if (loss.rank === 2 && weight.rank === 1 && weight.shape[0] === loss.shape[0]) return tf.reshape(weight, [-1, 1]);
  if (weight.size === loss.size) return tf.reshape(weight, loss.shape);
  throw new DetError(`${where}: weight of shape [${weight.shape.join(',')}] does not fit a loss of shape [${loss.shape.join(',')}]`);
}

/** Options of the registered loss classes that every loss shares. */
export interface LossModuleOptions {
  reduction?: Reduction;
  lossWeight?: number;
}

/** Arguments of a loss module's forward beyond (pred, target). */
export interface LossForwardOptions {
  weight?: tf.Tensor;
  avgFactor?: number;
  reductionOverride?: Reduction;
}
