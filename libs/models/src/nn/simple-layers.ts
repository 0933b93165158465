import * as tf from '@tensorflow/tfjs-core';
import { Layer } from './module';
import { InitRng, uniformInit } from './init';
import { parameterValue } from './shared-parameters';

export class ReLU extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.relu(x);
  }
}

export interface MaxPoolOptions {
  kernelSize: number;
  stride?: number;
  padding?: number;
}

/** Max pooling (padding counts as -inf, as PyTorch). */
export class MaxPool extends Layer {
  constructor(readonly options: MaxPoolOptions) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    const { kernelSize, stride = kernelSize, padding = 0 } = this.options;
    return tf.maxPool(x as tf.Tensor4D, kernelSize, stride, padding);
  }
}

export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  bias?: boolean;
  rng?: InitRng;
}

/** y = x Wᵀ + b with W stored [out, in] like PyTorch, so checkpoints map without transposing. */
export class Linear extends Layer {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  constructor(readonly options: LinearOptions) {
    super();
    const bound = 1 / Math.sqrt(options.inFeatures);
    this.weight = this.addParameter('weight', uniformInit([options.outFeatures, options.inFeatures], bound, options.rng));
    if (options.bias ?? true) this.bias = this.addParameter('bias', uniformInit([options.outFeatures], bound, options.rng));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const y = tf.matMul(x as tf.Tensor2D, parameterValue(this.weight) as tf.Tensor2D, false, true);
      return this.bias ? tf.add(y, parameterValue(this.bias)) : y;
    });
  }
}

/** A learnable scalar multiplier (FCOS scales each level's regression by its own). */
export class Scale extends Layer {
  readonly scale: tf.Variable;
  constructor(readonly options: { scale?: number } = {}) {
    super();
    this.scale = this.addParameter('scale', tf.scalar(options.scale ?? 1));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.mul(x, parameterValue(this.scale));
  }
}
