import * as tf from '@tensorflow/tfjs-core';
import { HEADS } from '@det/registry';
import { Conv2d, ConvModule, ModuleList, NormConfig, biasInitWithProb, normalInitLayer } from '../nn';
import { AnchorHead, AnchorHeadOptions } from './anchor-head';

export interface RetinaHeadOptions extends AnchorHeadOptions {
  stackedConvs?: number;
  normCfg?: NormConfig | null;
  /** Initial foreground probability of every anchor (sets the class-conv bias). */
  priorProb?: number;
}

/**
 * RetinaNet's head: `stackedConvs` 3×3 ConvModules per branch, then 3×3 class and box convs.
 * Children as MMDetection: `cls_convs.{i}.conv`, `reg_convs.{i}.conv`, `retina_cls`, `retina_reg`.
 */
@HEADS.register()
export class RetinaHead extends AnchorHead {
  private declare clsConvs: ConvModule[];
  private declare regConvs: ConvModule[];
  private declare retinaCls: Conv2d;
  private declare retinaReg: Conv2d;

  constructor(options: RetinaHeadOptions) {
    super({
      anchorGenerator: { type: 'AnchorGenerator', octaveBaseScale: 4, scalesPerOctave: 3, ratios: [0.5, 1, 2], strides: [8, 16, 32, 64, 128] },
      ...options,
    });
  }

  protected override initLayers(): void {
    const o = this.options as RetinaHeadOptions;
    const rng = o.rng;
    const n = o.stackedConvs ?? 4;
    const branch = () =>
      Array.from({ length: n }, (_, i) => {
        const m = new ConvModule({ inChannels: i === 0 ? this.inChannels : this.featChannels, outChannels: this.featChannels, kernelSize: 3, padding: 1, normCfg: o.normCfg ?? null, rng });
        normalInitLayer(m.conv, 0.01, 0, rng);
        return m;
      });
    this.clsConvs = branch();
    this.regConvs = branch();
    this.addModule('cls_convs', new ModuleList(this.clsConvs));
    this.addModule('reg_convs', new ModuleList(this.regConvs));
    const inC = n > 0 ? this.featChannels : this.inChannels;
    const A = this.numBaseAnchors;
    this.retinaCls = this.addModule('retina_cls', new Conv2d({ inChannels: inC, outChannels: A * this.clsOutChannels, kernelSize: 3, padding: 1, rng }));
    this.retinaReg = this.addModule('retina_reg', new Conv2d({ inChannels: inC, outChannels: A * 4, kernelSize: 3, padding: 1, rng }));
    normalInitLayer(this.retinaCls, 0.01, biasInitWithProb(o.priorProb ?? 0.01), rng);
    normalInitLayer(this.retinaReg, 0.01, 0, rng);
  }

  protected override forwardSingle(x: tf.Tensor): [tf.Tensor, tf.Tensor] {
    return tf.tidy(() => {
      let c = x;
      for (const m of this.clsConvs) c = m.forward(c);
      let r = x;
      for (const m of this.regConvs) r = m.forward(r);
      return [this.retinaCls.forward(c), this.retinaReg.forward(r)];
    });
  }
}
