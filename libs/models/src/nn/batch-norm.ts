import * as tf from '@tensorflow/tfjs-core';
import { Layer } from './module';

export interface BatchNorm2dOptions {
  numFeatures: number;
  eps?: number;
  /** Weight of the new batch statistic in the running average (PyTorch convention, default 0.1). */
  momentum?: number;
  /** False freezes weight and bias (MMCV's `normCfg.requiresGrad`). */
  requiresGrad?: boolean;
}

/**
 * BatchNorm over the channel (last) axis. Training normalises with the batch's biased variance
 * and updates `running_mean` / `running_var` (unbiased, as PyTorch) as buffers; eval uses them.
 */
export class BatchNorm2d extends Layer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly numBatchesTracked: tf.Variable;
  readonly eps: number;
  readonly momentum: number;

  constructor(readonly options: BatchNorm2dOptions) {
    super();
    const c = options.numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    const trainable = options.requiresGrad ?? true;
    this.weight = this.addParameter('weight', tf.ones([c]), trainable);
    this.bias = this.addParameter('bias', tf.zeros([c]), trainable);
    this.runningMean = this.addBuffer('running_mean', tf.zeros([c]));
    this.runningVar = this.addBuffer('running_var', tf.ones([c]));
    this.numBatchesTracked = this.addBuffer('num_batches_tracked', tf.scalar(0, 'int32'));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (!this.training) return this.normalize(x, this.runningMean, this.runningVar);
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      this.updateRunningStats(mean, variance, x.size / x.shape[x.rank - 1]);
      return this.normalize(x, mean, variance);
    });
  }

  /** tf.batchNorm (differentiable in every input) runs as one fused kernel where a backend has one. */
  private normalize(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor): tf.Tensor {
    return tf.batchNorm(x as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D, this.bias as tf.Tensor1D, this.weight as tf.Tensor1D, this.eps);
  }

  /** Running statistics are state, not part of the loss: they are written outside any gradient path. */
  private updateRunningStats(mean: tf.Tensor, variance: tf.Tensor, count: number): void {
    const m = this.momentum;
    const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
    this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
    this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
    this.numBatchesTracked.assign(tf.add(this.numBatchesTracked, tf.scalar(1, 'int32')));
  }
}
