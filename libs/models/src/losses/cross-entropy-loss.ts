// Softmax cross-entropy and its sigmoid (binary) variant, MMDetection 2.x CrossEntropyLoss.
import * as tf from '@tensorflow/tfjs-core';
import { DetError, LOSSES } from '@det/registry';
import { bceWithLogits } from './focal-loss';
import { FLOAT32_EPS, Reduction, checkReduction, LossForwardOptions, LossModuleOptions, ReduceOptions, reduceFusedLoss, weightReduceLoss } from './reduce';
import { hasFusedFocalLoss, runFocalLossKernel } from './focal-loss-kernel';

export interface CrossEntropyOptions extends ReduceOptions {
  /** Per-class weights [C]: scale each sample by the weight of its label (softmax) / pos_weight (sigmoid). */
  classWeight?: number[];
  /** Labels equal to this contribute 0 (default -100, PyTorch's). */
  ignoreIndex?: number;
  /** With 'mean' and no avgFactor: average over non-ignored labels instead of all. */
  avgNonIgnore?: boolean;
}

function checkLabels(pred: tf.Tensor, label: tf.Tensor, where: string): void {
  if (pred.rank !== 2) throw new DetError(`${where}: pred must be logits [N,C], got [${pred.shape.join(',')}]`);
  if (label.shape[0] !== pred.shape[0]) {
    throw new DetError(`${where}: ${label.shape[0]} labels for ${pred.shape[0]} rows of pred`);
  }
}

/** avgNonIgnore with 'mean' and no avgFactor: the average runs over the non-ignored entries. */
function averagesOverValid(options: CrossEntropyOptions): boolean {
  return options.avgFactor === undefined && !!options.avgNonIgnore && (options.reduction ?? 'mean') === 'mean';
}

/**
 * weightReduceLoss's avgFactor mean, Σ(loss·weight) / (count + eps), with the count of valid
 * entries kept on the device: reading it back would need a synchronous read (none on webgpu).
 */
function meanOverValid(loss: tf.Tensor, weight: tf.Tensor | undefined, valid: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(tf.sum(weight ? tf.mul(loss, weight) : loss), tf.add(tf.sum(valid), FLOAT32_EPS)));
}

/** Softmax CE per sample [N] = -classWeight[y]·log softmax(pred)[y]; ignored labels give 0. */
export function crossEntropyLoss(pred: tf.Tensor, label: tf.Tensor, options: CrossEntropyOptions = {}): tf.Tensor {
  checkLabels(pred, label, 'crossEntropyLoss');
  const ignoreIndex = options.ignoreIndex ?? -100;
  const numClasses = pred.shape[1] as number;
  return tf.tidy(() => {
    const y = tf.cast(label, 'int32') as tf.Tensor1D;
    const valid = tf.logicalAnd(tf.notEqual(y, ignoreIndex), tf.logicalAnd(tf.greaterEqual(y, 0), tf.less(y, numClasses)));
    const oneHot = tf.cast(tf.oneHot(tf.where(valid, y, tf.zerosLike(y)), numClasses), 'float32');
    let loss = tf.neg(tf.sum(tf.mul(tf.logSoftmax(pred), oneHot), 1));
    if (options.classWeight) {
      if (options.classWeight.length !== numClasses) {
        throw new DetError(`crossEntropyLoss: classWeight has ${options.classWeight.length} entries for ${numClasses} classes`);
      }
      loss = tf.mul(loss, tf.sum(tf.mul(oneHot, tf.tensor1d(options.classWeight)), 1));
    }
    const validF = tf.cast(valid, 'float32');
    loss = tf.mul(loss, validF);
    const weight = options.weight ? tf.cast(options.weight, 'float32') : undefined;
    if (averagesOverValid(options)) return meanOverValid(loss, weight, validF);
    return weightReduceLoss(loss, { ...options, weight }, 'crossEntropyLoss');
  });
}

/**
 * Sigmoid BCE on logits [N,C]. `label` is either [N,C] targets or class indices [N] that are
 * expanded to one-hot (indices outside [0,C) — background — give all-zero rows).
 */
export function binaryCrossEntropyLoss(pred: tf.Tensor, label: tf.Tensor, options: CrossEntropyOptions = {}): tf.Tensor {
  checkLabels(pred, label, 'binaryCrossEntropyLoss');
  const ignoreIndex = options.ignoreIndex ?? -100;
  const numClasses = pred.shape[1] as number;
  const fused = fusedFromLabels(pred, label, options, ignoreIndex);
  if (fused) return fused;
  return tf.tidy(() => {
    let target: tf.Tensor;
    let validMask: tf.Tensor;
    if (label.rank === 1) {
      const y = tf.cast(label, 'int32') as tf.Tensor1D;
      // one-hot by comparison (tf.oneHot refuses depth 1, which the single-class RPN needs);
      // labels outside [0, C) — background — match no column and give all-zero rows
      target = tf.cast(tf.equal(tf.expandDims(y, 1), tf.range(0, numClasses, 1, 'int32')), 'float32');
      const valid = tf.logicalAnd(tf.greaterEqual(y, 0), tf.notEqual(y, ignoreIndex));
      validMask = tf.tile(tf.expandDims(tf.cast(valid, 'float32'), 1), [1, numClasses]);
    } else {
      target = tf.cast(label, 'float32');
      validMask = tf.cast(tf.logicalAnd(tf.greaterEqual(target, 0), tf.notEqual(target, ignoreIndex)), 'float32');
    }
    let weight = validMask;
    if (options.weight) {
      const w = tf.cast(options.weight, 'float32');
      weight = tf.mul(weight, w.rank === 1 && pred.rank === 2 ? tf.reshape(w, [-1, 1]) : w);
    }
    let loss: tf.Tensor;
    if (options.classWeight) {
      if (options.classWeight.length !== numClasses) {
        throw new DetError(`binaryCrossEntropyLoss: classWeight has ${options.classWeight.length} entries for ${numClasses} classes`);
      }
      // pos_weight form: -(pw·t·log σ(x) + (1-t)·log(1-σ(x))) = (1-t)·x + (1 + (pw-1)·t)·softplus(-x)
      const pw = tf.tensor1d(options.classWeight);
      const coef = tf.add(1, tf.mul(tf.sub(pw, 1), target));
      loss = tf.add(tf.mul(tf.sub(1, target), pred), tf.mul(coef, tf.softplus(tf.neg(pred))));
    } else {
      loss = bceWithLogits(pred, target);
    }
    if (averagesOverValid(options)) return meanOverValid(loss, weight, validMask);
    return weightReduceLoss(loss, { ...options, weight }, 'binaryCrossEntropyLoss');
  });
}

/**
 * Sigmoid BCE from labels [N] through the backend's fused focal-loss kernel with γ = 0 and no α:
 * the same function (softplus of ±x, analytic gradient σ(x) − t), 1–2 dispatches forward and 1
 * backward on webgpu where the ops take ~12 and ~14 (the RPN's objectness loss at every level).
 * Ignored labels (< 0 or ignoreIndex) get row weight 0, as the valid mask gives them; background
 * (C) is an all-negative row in both. undefined where the backend has no such kernel, or with
 * classWeight, avgNonIgnore's mean or weights that are not one per row (then the ops run).
 */
function fusedFromLabels(pred: tf.Tensor, label: tf.Tensor, options: CrossEntropyOptions, ignoreIndex: number): tf.Tensor | undefined {
  const [n, c] = pred.shape as [number, number];
  const { weight } = options;
  const perRow = weight == null || (weight.rank === 1 && weight.shape[0] === n) || (c === 1 && weight.size === n);
  if (label.rank !== 1 || options.classWeight || averagesOverValid(options) || !perRow || pred.size === 0 || pred.dtype !== 'float32' || !hasFusedFocalLoss()) return undefined;
  return reduceFusedLoss(options, pred.size, 'binaryCrossEntropyLoss', (reduce, divisor) => {
    const y = tf.cast(label, 'int32');
    const isValid = ignoreIndex < 0 ? tf.greaterEqual(y, 0) : tf.logicalAnd(tf.greaterEqual(y, 0), tf.notEqual(y, ignoreIndex));
    const valid = tf.cast(isValid, 'float32');
    const w = weight ? tf.mul(valid, tf.cast(tf.reshape(weight, [n]), 'float32')) : valid;
    return runFocalLossKernel(pred, y, w, { gamma: 0, alpha: -1, reduce, divisor });
  });
}

export interface CrossEntropyLossOptions extends LossModuleOptions {
  useSigmoid?: boolean;
  useMask?: boolean;
  classWeight?: number[];
  ignoreIndex?: number;
  avgNonIgnore?: boolean;
}

@LOSSES.register()
export class CrossEntropyLoss {
  /** forward takes labels [N] (sigmoid: C = background) and row weights [N]. */
  readonly takesClassIndices = true;
  readonly useSigmoid: boolean;
  readonly reduction: Reduction;
  readonly lossWeight: number;
  readonly classWeight?: number[];
  readonly ignoreIndex?: number;
  readonly avgNonIgnore: boolean;

  constructor(options: CrossEntropyLossOptions = {}) {
    if (options.useMask) throw new DetError('CrossEntropyLoss: useMask (mask heads) is not supported yet');
    this.useSigmoid = options.useSigmoid ?? false;
    this.reduction = checkReduction(options.reduction ?? 'mean', 'CrossEntropyLoss');
    this.lossWeight = options.lossWeight ?? 1;
    this.classWeight = options.classWeight;
    this.ignoreIndex = options.ignoreIndex;
    this.avgNonIgnore = options.avgNonIgnore ?? false;
  }

  /** `options.ignoreIndex` overrides the configured one, as MMDetection's forward allows. */
  forward(pred: tf.Tensor, label: tf.Tensor, options: LossForwardOptions & { ignoreIndex?: number } = {}): tf.Tensor {
    const fn = this.useSigmoid ? binaryCrossEntropyLoss : crossEntropyLoss;
    return tf.tidy(() =>
      tf.mul(
        fn(pred, label, {
          weight: options.weight,
          avgFactor: options.avgFactor,
          reduction: options.reductionOverride ?? this.reduction,
          classWeight: this.classWeight,
          ignoreIndex: options.ignoreIndex ?? this.ignoreIndex,
          avgNonIgnore: this.avgNonIgnore,
        }),
        this.lossWeight,
      ),
    );
  }
}
