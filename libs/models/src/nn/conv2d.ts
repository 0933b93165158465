import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';
import { Layer } from './module';
import { fusedConvBias } from './fused-conv';
import { atrousConv2d } from './atrous-conv';
import { parameterValue } from './shared-parameters';
import { InitRng, kaimingNormal, uniformInit, fans } from './init';

export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
  rng?: InitRng;
}

/**
 * 2-D convolution on NHWC tensors with an HWIO kernel `weight` [k, k, in, out] and optional
 * `bias` [out]. Init: He-normal (fan_out) for the kernel, PyTorch's uniform(±1/sqrt(fan_in)) for the bias.
 */
export class Conv2d extends Layer {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;

  constructor(readonly options: Conv2dOptions) {
    super();
    const { inChannels, outChannels, kernelSize, groups = 1 } = options;
    for (const [k, v] of Object.entries({ inChannels, outChannels, kernelSize })) {
      if (!Number.isInteger(v) || v <= 0) throw new DetError(`Conv2d: ${k} must be a positive integer, got ${v}`);
    }
    if (groups !== 1) throw new DetError(`Conv2d: groups=${groups} is not supported (only 1)`);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    if (this.stride > 1 && this.dilation > 1) throw new DetError('Conv2d: tfjs cannot combine stride > 1 with dilation > 1');
    const shape = [kernelSize, kernelSize, inChannels, outChannels];
    this.weight = this.addParameter('weight', kaimingNormal(shape, 'HWIO', 'fan_out', options.rng));
    if (options.bias ?? true) {
      this.bias = this.addParameter('bias', uniformInit([outChannels], 1 / Math.sqrt(fans(shape, 'HWIO').fanIn), options.rng));
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.forwardWithActivation(x, 'linear');
  }

  /**
   * conv → + bias → activation. Where the backend records one GPU dispatch per op (webgpu),
   * the bias and ReLU run in the conv GEMM's epilogue (`fusedConvBias`; tfjs's fused conv for a
   * ReLU without bias): one dispatch instead of three. Elsewhere, and with dilation (the fused
   * kernels have none), the ops one by one. Same values either way (the epilogue adds the
   * bias to the finished sum). A dilated conv runs in TensorFlow's atrous form (atrous-conv.ts),
   * so it trains.
   */
  forwardWithActivation(x: tf.Tensor, activation: 'linear' | 'relu'): tf.Tensor {
    return tf.tidy(() => {
      const weight = parameterValue(this.weight) as tf.Tensor4D;
      const bias = this.bias && (parameterValue(this.bias) as tf.Tensor1D);
      if (fuseConvEpilogues() && this.dilation === 1) {
        if (bias) return fusedConvBias(x as tf.Tensor4D, weight, bias, this.stride, this.padding, activation);
        if (activation === 'linear') return tf.conv2d(x as tf.Tensor4D, weight, this.stride, this.padding, 'NHWC');
        return tf.fused.conv2d({ x: x as tf.Tensor4D, filter: weight, strides: this.stride, pad: this.padding, dataFormat: 'NHWC', activation });
      }
      // dilation > 1: TensorFlow's atrous form, which tfjs can differentiate (its dilated Conv2D it cannot)
      const y = this.dilation > 1 ? atrousConv2d(x as tf.Tensor4D, weight, this.dilation, this.padding)
        : tf.conv2d(x as tf.Tensor4D, weight, this.stride, this.padding, 'NHWC');
      const biased = bias ? tf.add(y, bias) : y;
      return activation === 'relu' ? tf.relu(biased) : biased;
    });
  }
}

/** Fused conv epilogues pay off where each op costs a GPU dispatch and its host overhead. */
function fuseConvEpilogues(): boolean {
  return tf.getBackend() === 'webgpu';
}
