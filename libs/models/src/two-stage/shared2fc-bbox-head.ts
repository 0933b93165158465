import * as tf from '@tensorflow/tfjs-core';
import { DetError, HEADS } from '@det/registry';
import { InitRng, Linear, ModuleList, normalInitLayer, uniformInit } from '../nn';
import { RoIBBoxHead, RoIBBoxHeadOptions, RoIBBoxOutputs } from './roi-bbox-head';

export interface Shared2FCBBoxHeadOptions extends RoIBBoxHeadOptions {
  inChannels: number;
  fcOutChannels?: number;
  roiFeatSize?: number;
  /** Shared fully connected layers (2 for Shared2FCBBoxHead). */
  numSharedFcs?: number;
  rng?: InitRng;
}

/** MMCV xavier_init(distribution='uniform'): U(±sqrt(6 / (fanIn + fanOut))), bias 0. */
function xavierUniform(fc: Linear, rng?: InitRng): void {
  const [out, inF] = fc.weight.shape;
  const w = uniformInit([out, inF], Math.sqrt(6 / (inF + out)), rng);
  fc.weight.assign(w);
  w.dispose();
  if (fc.bias) {
    const b = tf.zeros(fc.bias.shape);
    fc.bias.assign(b);
    b.dispose();
  }
}

/**
 * y = x·Wᵀ + b of a Linear computed as a 1×1 convolution over a [1, 1, k, in] image: the
 * host backends' conv kernels (im2col-free GEMM on the native path) run this shape an order of
 * magnitude faster than their BatchMatMul today. Same parameters, same result.
 */
function linearAsConv(fc: Linear, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [k, inF] = x.shape;
    const filter = tf.reshape(tf.transpose(fc.weight), [1, 1, inF!, -1]) as tf.Tensor4D;
    const y = tf.reshape(tf.conv2d(tf.reshape(x, [1, 1, k!, inF!]) as tf.Tensor4D, filter, 1, 0), [k!, -1]);
    return fc.bias ? tf.add(y, fc.bias) : y;
  });
}

/**
 * MMDetection's Shared2FCBBoxHead (ConvFCBBoxHead with two shared FCs): flatten → fc → ReLU →
 * fc → ReLU → `fc_cls` (C+1 logits) and `fc_reg` (4·C deltas, or 4 class-agnostic).
 * The pooled [k,7,7,C] features are flattened channel-first, as PyTorch's [k,C,7,7] view, so
 * MMDetection checkpoints load without permuting `shared_fcs.0.weight`.
 * Children: `shared_fcs.{i}`, `fc_cls`, `fc_reg`.
 */
@HEADS.register()
export class Shared2FCBBoxHead extends RoIBBoxHead {
  readonly inChannels: number;
  readonly roiFeatSize: number;
  readonly fcOutChannels: number;
  private readonly sharedFcs: Linear[];
  private readonly fcCls: Linear;
  private readonly fcReg: Linear;

  constructor(options: Shared2FCBBoxHeadOptions) {
    super(options);
    const rng = options.rng;
    if (!Number.isInteger(options.inChannels) || options.inChannels < 1) {
      throw new DetError(`${new.target.name}.inChannels must be a positive integer, got ${JSON.stringify(options.inChannels)}`);
    }
    this.inChannels = options.inChannels;
    this.roiFeatSize = options.roiFeatSize ?? 7;
    this.fcOutChannels = options.fcOutChannels ?? 1024;
    const numShared = options.numSharedFcs ?? 2;
    let inF = this.inChannels * this.roiFeatSize * this.roiFeatSize;
    this.sharedFcs = Array.from({ length: numShared }, (_, i) => {
      const fc = new Linear({ inFeatures: i === 0 ? inF : this.fcOutChannels, outFeatures: this.fcOutChannels, rng });
      xavierUniform(fc, rng);
      return fc;
    });
    if (numShared > 0) inF = this.fcOutChannels;
    this.addModule('shared_fcs', new ModuleList(this.sharedFcs));
    this.fcCls = this.addModule('fc_cls', new Linear({ inFeatures: inF, outFeatures: this.numClasses + 1, rng }));
    this.fcReg = this.addModule('fc_reg', new Linear({ inFeatures: inF, outFeatures: this.regClassAgnostic ? 4 : 4 * this.numClasses, rng }));
    normalInitLayer(this.fcCls, 0.01, 0, rng);
    normalInitLayer(this.fcReg, 0.001, 0, rng);
  }

  forward(roiFeats: tf.Tensor4D): RoIBBoxOutputs {
    const [k, h, w, c] = roiFeats.shape;
    if (h !== this.roiFeatSize || w !== this.roiFeatSize || c !== this.inChannels) {
      throw new DetError(`${this.constructor.name}: RoI features [${roiFeats.shape}] do not match roiFeatSize ${this.roiFeatSize} and inChannels ${this.inChannels}`);
    }
    return tf.tidy(() => {
      let x: tf.Tensor = tf.reshape(tf.transpose(roiFeats, [0, 3, 1, 2]), [k, c * h * w]);
      if (k === 0) {
        for (const fc of this.sharedFcs) x = tf.relu(fc.forward(x));
        return { clsScore: this.fcCls.forward(x) as tf.Tensor2D, bboxPred: this.fcReg.forward(x) as tf.Tensor2D };
      }
      for (const fc of this.sharedFcs) x = tf.relu(linearAsConv(fc, x));
      return { clsScore: linearAsConv(this.fcCls, x) as tf.Tensor2D, bboxPred: linearAsConv(this.fcReg, x) as tf.Tensor2D };
    });
  }
}
