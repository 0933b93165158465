import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';
import { Layer } from './module';
import { groupNorm } from './group-norm-kernel';
import { parameterValue } from './shared-parameters';

export interface GroupNormOptions {
  numGroups: number;
  numChannels: number;
  eps?: number;
  requiresGrad?: boolean;
}

/** GroupNorm on NHWC: statistics per sample over H, W and the channels of each group. */
export class GroupNorm extends Layer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly eps: number;

  constructor(readonly options: GroupNormOptions) {
    super();
    const { numGroups, numChannels } = options;
    if (numChannels % numGroups !== 0) {
      throw new DetError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    }
    this.eps = options.eps ?? 1e-5;
    const trainable = options.requiresGrad ?? true;
    this.weight = this.addParameter('weight', tf.ones([numChannels]), trainable);
    this.bias = this.addParameter('bias', tf.zeros([numChannels]), trainable);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.forwardWithActivation(x, false);
  }

  /** relu(GroupNorm(x)) when `relu`: one fused op (det's kernels on webgpu; the ops elsewhere). */
  forwardWithActivation(x: tf.Tensor, relu: boolean): tf.Tensor {
    return groupNorm(x, parameterValue(this.weight), parameterValue(this.bias), this.options.numGroups, this.eps, relu);
  }
}
