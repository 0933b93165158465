import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';
import { Layer } from './module';

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
    return tf.tidy(() => {
      const [n, h, w, c] = x.shape;
      const g = this.options.numGroups;
      const grouped = tf.reshape(x, [n, h, w, g, c / g]);
      const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
      const normed = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(tf.reshape(normed, [n, h, w, c]), this.weight), this.bias);
    });
  }
}
