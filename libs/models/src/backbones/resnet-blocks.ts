import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Layer, NormConfig, InitRng, addRelu, buildNormLayer, normRelu } from '../nn';

export interface BlockOptions {
  inplanes: number;
  planes: number;
  stride: number;
  downsample?: Layer;
  style: 'pytorch' | 'caffe';
  normCfg: NormConfig;
  rng?: InitRng;
}

/** Adds `conv{i}` and its norm `bn{i}` / `gn{i}` as children (MMDetection's names). */
function convNorm(owner: Layer, i: number, conv: Conv2d, normCfg: NormConfig): { conv: Conv2d; norm: Layer } {
  const { name, layer } = buildNormLayer(normCfg, conv.options.outChannels);
  return { conv: owner.addModule(`conv${i}`, conv), norm: owner.addModule(`${name}${i}`, layer) };
}

/**
 * Zeroes the weight (γ) of a block's last norm, so that the residual branch starts at 0 and the
 * block acts as its shortcut (MMDetection's `zero_init_residual`, Goyal et al. 2017).
 */
function zeroLastNorm(stages: { norm: Layer }[]): void {
  const weight = (stages[stages.length - 1].norm as { weight?: tf.Variable }).weight;
  if (weight) tf.tidy(() => weight.assign(tf.zerosLike(weight))); // tidy: the zeros tensor is not kept
}

/** Two 3×3 convs with an identity (or downsample) shortcut — ResNet-18/34. */
export class BasicBlock extends Layer {
  static readonly expansion = 1;
  private readonly stages: { conv: Conv2d; norm: Layer }[];
  private readonly downsample?: Layer;

  constructor(o: BlockOptions) {
    super();
    this.stages = [
      convNorm(this, 1, new Conv2d({ inChannels: o.inplanes, outChannels: o.planes, kernelSize: 3, stride: o.stride, padding: 1, bias: false, rng: o.rng }), o.normCfg),
      convNorm(this, 2, new Conv2d({ inChannels: o.planes, outChannels: o.planes, kernelSize: 3, padding: 1, bias: false, rng: o.rng }), o.normCfg),
    ];
    if (o.downsample) this.downsample = this.addModule('downsample', o.downsample);
  }

  zeroInitLastNorm(): void {
    zeroLastNorm(this.stages);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => residual(x, this.stages, this.downsample));
  }
}

/** 1×1 → 3×3 → 1×1 (×4 channels) — ResNet-50/101. 'pytorch' style strides the 3×3, 'caffe' the first 1×1. */
export class Bottleneck extends Layer {
  static readonly expansion = 4;
  private readonly stages: { conv: Conv2d; norm: Layer }[];
  private readonly downsample?: Layer;

  constructor(o: BlockOptions) {
    super();
    const [s1, s2] = o.style === 'pytorch' ? [1, o.stride] : [o.stride, 1];
    const out = o.planes * Bottleneck.expansion;
    this.stages = [
      convNorm(this, 1, new Conv2d({ inChannels: o.inplanes, outChannels: o.planes, kernelSize: 1, stride: s1, bias: false, rng: o.rng }), o.normCfg),
      convNorm(this, 2, new Conv2d({ inChannels: o.planes, outChannels: o.planes, kernelSize: 3, stride: s2, padding: 1, bias: false, rng: o.rng }), o.normCfg),
      convNorm(this, 3, new Conv2d({ inChannels: o.planes, outChannels: out, kernelSize: 1, bias: false, rng: o.rng }), o.normCfg),
    ];
    if (o.downsample) this.downsample = this.addModule('downsample', o.downsample);
  }

  zeroInitLastNorm(): void {
    zeroLastNorm(this.stages);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => residual(x, this.stages, this.downsample));
  }
}

/** relu(norm(conv(...)) chain with the last activation after the shortcut sum. */
function residual(x: tf.Tensor, stages: { conv: Conv2d; norm: Layer }[], downsample?: Layer): tf.Tensor {
  let y = x;
  stages.forEach(({ conv, norm }, i) => {
    y = conv.forward(y);
    y = i < stages.length - 1 ? normRelu(norm, y) : norm.forward(y);
  });
  const identity = downsample ? downsample.forward(x) : x;
  return addRelu(y, identity);
}
