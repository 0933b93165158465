import * as tf from '@tensorflow/tfjs-core';
import { Layer } from './module';
import { Conv2d } from './conv2d';
import { InitRng } from './init';
import { ActConfig, NormConfig, buildActivation, buildNormLayer, normRelu } from './norm';
import { ReLU } from './simple-layers';

export interface ConvModuleOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  stride?: number;
  padding?: number;
  dilation?: number;
  /** 'auto' (default): a bias only when there is no norm layer, as MMCV. */
  bias?: boolean | 'auto';
  normCfg?: NormConfig | null;
  /** Default ReLU; `null` for none. */
  actCfg?: ActConfig | null;
  /** Keep the norm layer in eval mode even while training (frozen BN statistics). */
  normEval?: boolean;
  rng?: InitRng;
}

/** conv → norm → activation, with MMCV's child names (`conv`, `bn`/`gn`). */
export class ConvModule extends Layer {
  readonly conv: Conv2d;
  readonly norm?: Layer;
  readonly normName?: string;
  readonly activate?: Layer;

  constructor(readonly options: ConvModuleOptions) {
    super();
    const { normCfg, actCfg = { type: 'ReLU' } } = options;
    const bias = options.bias === undefined || options.bias === 'auto' ? !normCfg : options.bias;
    this.conv = this.addModule('conv', new Conv2d({ ...options, bias }));
    if (normCfg) {
      const { name, layer } = buildNormLayer(normCfg, options.outChannels);
      this.normName = name;
      this.norm = this.addModule(name, layer);
    }
    if (actCfg) this.activate = buildActivation(actCfg);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      // conv + bias + ReLU as one op when there is no norm (one dispatch on webgpu)
      if (!this.norm && (this.activate === undefined || this.activate instanceof ReLU)) {
        return this.conv.forwardWithActivation(x, this.activate ? 'relu' : 'linear');
      }
      let y: tf.Tensor = this.conv.forward(x);
      // BN / GN + ReLU as one op (fused kernels on webgpu; the same function elsewhere)
      if (this.norm && this.activate instanceof ReLU) return normRelu(this.norm, y);
      if (this.norm) y = this.norm.forward(y);
      return this.activate ? this.activate.forward(y) : y;
    });
  }

  protected override afterTrainMode(mode: boolean): void {
    if (mode && this.options.normEval && this.norm) this.norm.train(false);
  }
}
