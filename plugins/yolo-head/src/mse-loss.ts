import * as tf from '@tensorflow/tfjs-core';
import { checkReduction, weightReduceLoss, type LossForwardOptions, type LossModuleOptions, type Reduction } from '@det/models';

/** Squared error with MMDetection's weight / reduction / avgFactor handling (its MSELoss). */
export class MSELoss {
  readonly reduction: Reduction;
  readonly lossWeight: number;

  constructor(options: LossModuleOptions = {}) {
    this.reduction = checkReduction(options.reduction ?? 'mean', 'MSELoss');
    this.lossWeight = options.lossWeight ?? 1;
  }

  forward(pred: tf.Tensor, target: tf.Tensor, options: LossForwardOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const loss = tf.squaredDifference(pred, target);
      const weight = options.weight && options.weight.rank === 1 && loss.rank === 2 ? tf.reshape(options.weight, [-1, 1]) : options.weight;
      const reduced = weightReduceLoss(loss, { weight, avgFactor: options.avgFactor, reduction: options.reductionOverride ?? this.reduction }, 'MSELoss');
      return tf.mul(reduced, this.lossWeight);
    });
  }
}
