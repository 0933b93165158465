// IoU-based box regression losses on aligned xyxy pairs (MMDetection GIoULoss / IoULoss).
import * as tf from '@tensorflow/tfjs-core';
import { DetError, LOSSES } from '@det/registry';
import { bboxOverlaps } from '../ops/iou';
import { Reduction, checkReduction, LossForwardOptions, LossModuleOptions, ReduceOptions, weightReduceLoss } from './reduce';

function checkPairs(pred: tf.Tensor, target: tf.Tensor, where: string): void {
  if (pred.rank !== 2 || pred.shape[1] !== 4 || pred.shape.join(',') !== target.shape.join(',')) {
    throw new DetError(`${where}: pred and target must both be [N,4] xyxy, got [${pred.shape.join(',')}] and [${target.shape.join(',')}]`);
  }
}

/** A [N,4] weight is averaged over the coordinates, as MMDetection does for IoU losses. */
function rowWeight(weight: tf.Tensor | undefined): tf.Tensor | undefined {
  return weight && weight.rank > 1 ? tf.mean(weight, -1) : weight;
}

/** 1 - GIoU(pred_i, target_i); union and enclosing area are clamped below by eps (MMDetection). */
export function giouLoss(pred: tf.Tensor2D, target: tf.Tensor2D, options: ReduceOptions & { eps?: number } = {}): tf.Tensor {
  checkPairs(pred, target, 'giouLoss');
  return tf.tidy(() => {
    const giou = bboxOverlaps(pred, target, { mode: 'giou', isAligned: true, eps: options.eps ?? 1e-6 });
    return weightReduceLoss(tf.sub(1, giou), { ...options, weight: rowWeight(options.weight) }, 'giouLoss');
  });
}

export type IouLossMode = 'linear' | 'square' | 'log';

/** IoU clamped below by eps, then 1 - iou ('linear'), 1 - iou² ('square') or -log(iou) ('log'). */
export function iouLoss(
  pred: tf.Tensor2D,
  target: tf.Tensor2D,
  options: ReduceOptions & { eps?: number; mode?: IouLossMode } = {},
): tf.Tensor {
  checkPairs(pred, target, 'iouLoss');
  const mode = options.mode ?? 'log';
  const eps = options.eps ?? 1e-6;
  return tf.tidy(() => {
    const iou = tf.maximum(bboxOverlaps(pred, target, { isAligned: true, eps }), eps);
    let loss: tf.Tensor;
    if (mode === 'linear') loss = tf.sub(1, iou);
    else if (mode === 'square') loss = tf.sub(1, tf.square(iou));
    else if (mode === 'log') loss = tf.neg(tf.log(iou));
    else throw new DetError(`iouLoss: mode must be 'linear', 'square' or 'log', got '${String(mode)}'`);
    return weightReduceLoss(loss, { ...options, weight: rowWeight(options.weight) }, 'iouLoss');
  });
}

/**
 * MMDetection returns (pred · weight).sum() when no weight is positive, a zero that keeps the
 * graph connected. That test would need a synchronous read (none on webgpu), so both values are
 * computed and selected on the device: IoUs are clamped by eps, so the unused branch is finite
 * and its gradient is exactly zero.
 */
function zeroIfNoPositiveWeight(loss: tf.Tensor, pred: tf.Tensor, weight: tf.Tensor | undefined): tf.Tensor {
  if (!weight) return loss;
  return tf.tidy(() => {
    const w = weight.rank === 1 ? tf.reshape(weight, [-1, 1]) : weight;
    const zero = tf.sum(tf.mul(pred, w));
    const anyPositive = tf.any(tf.greater(weight, 0));
    return tf.where(tf.broadcastTo(anyPositive, loss.shape), loss, tf.broadcastTo(zero, loss.shape));
  });
}

@LOSSES.register()
export class GIoULoss {
  readonly eps: number;
  readonly reduction: Reduction;
  readonly lossWeight: number;

  constructor(options: LossModuleOptions & { eps?: number } = {}) {
    this.eps = options.eps ?? 1e-6;
    this.reduction = checkReduction(options.reduction ?? 'mean', 'GIoULoss');
    this.lossWeight = options.lossWeight ?? 1;
  }

  forward(pred: tf.Tensor2D, target: tf.Tensor2D, options: LossForwardOptions = {}): tf.Tensor {
    return tf.tidy(() =>
      tf.mul(
        zeroIfNoPositiveWeight(giouLoss(pred, target, {
          eps: this.eps, weight: options.weight, avgFactor: options.avgFactor,
          reduction: options.reductionOverride ?? this.reduction,
        }), pred, options.weight),
        this.lossWeight,
      ),
    );
  }
}

@LOSSES.register()
export class IoULoss {
  readonly eps: number;
  readonly mode: IouLossMode;
  readonly reduction: Reduction;
  readonly lossWeight: number;

  /** `linear: true` is MMDetection's legacy spelling of mode 'linear'. */
  constructor(options: LossModuleOptions & { eps?: number; mode?: IouLossMode; linear?: boolean } = {}) {
    this.eps = options.eps ?? 1e-6;
    this.mode = options.linear ? 'linear' : (options.mode ?? 'log');
    this.reduction = checkReduction(options.reduction ?? 'mean', 'IoULoss');
    this.lossWeight = options.lossWeight ?? 1;
  }

  forward(pred: tf.Tensor2D, target: tf.Tensor2D, options: LossForwardOptions = {}): tf.Tensor {
    return tf.tidy(() =>
      tf.mul(
        zeroIfNoPositiveWeight(iouLoss(pred, target, {
          eps: this.eps, mode: this.mode, weight: options.weight, avgFactor: options.avgFactor,
          reduction: options.reductionOverride ?? this.reduction,
        }), pred, options.weight),
        this.lossWeight,
      ),
    );
  }
}
