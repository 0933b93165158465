import * as tf from '@tensorflow/tfjs-core';
import { batchNormRelu } from './batch-norm-relu';
import { Layer, type Module } from './module';
import { batchNormTrain } from './batch-norm-train';
import { parameterValue } from './shared-parameters';

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
  /**
   * False: training mode still normalises with the batch statistics but leaves the running
   * averages alone — for an extra forward pass that is not a training step (Faster R-CNN's
   * proposal pass on webgpu). See `withRunningStatsFrozen`.
   */
  updateRunningStats = true;

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
    return this.forwardWithActivation(x, false);
  }

  /**
   * BatchNorm followed by ReLU when `relu`: in training, one fused op where the backend has
   * det's kernels (webgpu), so ConvModule asks for it instead of applying its own ReLU.
   */
  forwardWithActivation(x: tf.Tensor, relu: boolean): tf.Tensor {
    return tf.tidy(() => {
      const weight = parameterValue(this.weight);
      const bias = parameterValue(this.bias);
      if (!this.training) {
        // one pass where the backend has the kernel (webgpu), tf.batchNorm + tf.relu elsewhere
        if (relu) return batchNormRelu(x, this.runningMean, this.runningVar, bias, weight, this.eps);
        return this.normalize(x, this.runningMean, this.runningVar);
      }
      if (!this.updateRunningStats) return batchNormTrain(x, weight, bias, this.eps, relu);
      this.numBatchesTracked.assign(tf.add(this.numBatchesTracked, tf.scalar(1, 'int32')));
      return batchNormTrain(x, weight, bias, this.eps, relu, { mean: this.runningMean, variance: this.runningVar, momentum: this.momentum });
    });
  }

  /** tf.batchNorm (differentiable in every input) runs as one fused kernel where a backend has one. */
  private normalize(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor): tf.Tensor {
    const [bias, weight] = [parameterValue(this.bias), parameterValue(this.weight)];
    return tf.batchNorm(x as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D, bias as tf.Tensor1D, weight as tf.Tensor1D, this.eps);
  }
}

/** Runs `fn` with every BatchNorm2d under `module` leaving its running statistics unchanged. */
export async function withRunningStatsFrozen<R>(module: Module, fn: () => Promise<R>): Promise<R> {
  const norms = module.namedModules().map(([, m]) => m).filter((m): m is BatchNorm2d => m instanceof BatchNorm2d && m.updateRunningStats);
  for (const m of norms) m.updateRunningStats = false;
  try {
    return await fn();
  } finally {
    for (const m of norms) m.updateRunningStats = true;
  }
}
