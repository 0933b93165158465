import * as tf from '@tensorflow/tfjs-core';
import { BACKBONES, DetError } from '@det/registry';
import { ConvModule, Module, ModuleList, NormConfig, InitRng, Sequential } from '../nn';

export interface TinyNetOptions {
  inChannels?: number;
  stemChannels?: number;
  /** Output channels of each stage; stage i has stride 2^(i+2). */
  stageChannels?: number[];
  /** Extra 3×3 stride-1 ConvModules after each stride-2 one. */
  blocksPerStage?: number;
  outIndices?: number[];
  frozenStages?: number;
  normCfg?: NormConfig | null;
  normEval?: boolean;
  rng?: InitRng;
}

/**
 * A plain stride-2 ConvModule stack for CPU training (2 cores): with the defaults
 * (16 → 32/64/128/128) a 320×320 image costs ≈ 0.6 GFLOP forward, ~7× less than ResNet-18.
 * Children: `stem`, `stages.{i}.{j}`.
 */
@BACKBONES.register()
export class TinyNet extends Module {
  readonly outIndices: number[];
  readonly outChannels: number[];
  private readonly stem: ConvModule;
  private readonly stages: Sequential[] = [];

  constructor(readonly options: TinyNetOptions = {}) {
    super();
    const stemC = options.stemChannels ?? 16;
    const widths = options.stageChannels ?? [32, 64, 128, 128];
    const extra = options.blocksPerStage ?? 1;
    const normCfg = options.normCfg === undefined ? { type: 'BN' } : options.normCfg;
    const common = { kernelSize: 3, padding: 1, normCfg, normEval: options.normEval, rng: options.rng };
    this.outIndices = options.outIndices ?? widths.map((_, i) => i);
    for (const i of this.outIndices) {
      if (!Number.isInteger(i) || i < 0 || i >= widths.length) throw new DetError(`TinyNet: outIndices entry ${i} is outside 0..${widths.length - 1}`);
    }
    this.stem = this.addModule('stem', new ConvModule({ ...common, inChannels: options.inChannels ?? 3, outChannels: stemC, stride: 2 }));
    let inC = stemC;
    for (const w of widths) {
      const layers = [new ConvModule({ ...common, inChannels: inC, outChannels: w, stride: 2 })];
      for (let j = 0; j < extra; j++) layers.push(new ConvModule({ ...common, inChannels: w, outChannels: w }));
      this.stages.push(new Sequential(layers));
      inC = w;
    }
    this.addModule('stages', new ModuleList(this.stages));
    this.outChannels = this.outIndices.map((i) => widths[i]);
    this.train(true);
  }

  forward(x: tf.Tensor): tf.Tensor[] {
    return tf.tidy(() => {
      let y = this.stem.forward(x);
      const outs: tf.Tensor[] = [];
      this.stages.forEach((stage, i) => {
        y = stage.forward(y);
        if (this.outIndices.includes(i)) outs.push(y);
      });
      return outs;
    });
  }

  protected override afterTrainMode(): void {
    const n = this.options.frozenStages ?? -1;
    if (n < 0) return;
    for (const m of [this.stem, ...this.stages.slice(0, n)]) {
      m.requiresGrad(false);
      m.train(false);
    }
  }
}
