import * as tf from '@tensorflow/tfjs-core';
import { DetError, NECKS } from '@det/registry';
import { ActConfig, ConvModule, Module, ModuleList, NormConfig, InitRng, upsampleNearest } from '../nn';

export interface FPNOptions {
  inChannels: number[];
  outChannels: number;
  numOuts: number;
  startLevel?: number;
  /** Exclusive end of the backbone levels used; -1 = all. */
  endLevel?: number;
  /** Source of extra levels: false → max-pool the last output; true = 'on_input'. */
  addExtraConvs?: boolean | 'on_input' | 'on_lateral' | 'on_output';
  reluBeforeExtraConvs?: boolean;
  noNormOnLateral?: boolean;
  normCfg?: NormConfig | null;
  actCfg?: ActConfig | null;
  /** Nearest upsampling: to the lower level's exact size by default, or by `scaleFactor`. */
  upsampleCfg?: { mode?: 'nearest'; scaleFactor?: number };
  rng?: InitRng;
}

/**
 * Feature Pyramid Network (MMDetection's FPN): 1×1 laterals, top-down nearest upsampling and
 * 3×3 output convs, plus extra levels from max-pooling or stride-2 convs.
 * Children: `lateral_convs.{i}`, `fpn_convs.{i}` (extra convs continue the fpn_convs numbering).
 */
@NECKS.register()
export class FPN extends Module {
  private readonly lateralConvs: ConvModule[] = [];
  private readonly fpnConvs: ConvModule[] = [];
  private readonly startLevel: number;
  private readonly backboneEndLevel: number;
  private readonly extraSource: false | 'on_input' | 'on_lateral' | 'on_output';

  constructor(readonly options: FPNOptions) {
    super();
    const { inChannels, outChannels, numOuts } = options;
    if (!Array.isArray(inChannels) || inChannels.length === 0) throw new DetError(`FPN: inChannels must be a non-empty list, got ${JSON.stringify(inChannels)}`);
    this.startLevel = options.startLevel ?? 0;
    const endLevel = options.endLevel ?? -1;
    this.backboneEndLevel = endLevel === -1 ? inChannels.length : endLevel;
    const used = this.backboneEndLevel - this.startLevel;
    if (endLevel === -1 && numOuts < used) throw new DetError(`FPN: numOuts (${numOuts}) must be ≥ the ${used} input levels used`);
    if (endLevel !== -1 && (endLevel > inChannels.length || numOuts !== used)) {
      throw new DetError(`FPN: with endLevel=${endLevel}, numOuts (${numOuts}) must equal endLevel - startLevel (${used}) and endLevel ≤ ${inChannels.length}`);
    }
    const extra = options.addExtraConvs ?? false;
    this.extraSource = extra === true ? 'on_input' : extra;
    if (this.extraSource && !['on_input', 'on_lateral', 'on_output'].includes(this.extraSource)) {
      throw new DetError(`FPN: addExtraConvs must be false, true, 'on_input', 'on_lateral' or 'on_output', got '${extra}'`);
    }
    const normCfg = options.normCfg ?? null;
    const actCfg = options.actCfg === undefined ? null : options.actCfg;
    const rng = options.rng;
    for (let i = this.startLevel; i < this.backboneEndLevel; i++) {
      this.lateralConvs.push(new ConvModule({ inChannels: inChannels[i], outChannels, kernelSize: 1, normCfg: options.noNormOnLateral ? null : normCfg, actCfg, rng }));
      this.fpnConvs.push(new ConvModule({ inChannels: outChannels, outChannels, kernelSize: 3, padding: 1, normCfg, actCfg, rng }));
    }
    const extraLevels = numOuts - used;
    if (this.extraSource) {
      for (let i = 0; i < extraLevels; i++) {
        const inC = i === 0 && this.extraSource === 'on_input' ? inChannels[this.backboneEndLevel - 1] : outChannels;
        this.fpnConvs.push(new ConvModule({ inChannels: inC, outChannels, kernelSize: 3, stride: 2, padding: 1, normCfg, actCfg, rng }));
      }
    }
    this.addModule('lateral_convs', new ModuleList(this.lateralConvs));
    this.addModule('fpn_convs', new ModuleList(this.fpnConvs));
  }

  forward(inputs: tf.Tensor[]): tf.Tensor[] {
    if (inputs.length !== this.options.inChannels.length) {
      throw new DetError(`FPN: got ${inputs.length} feature maps, configured for ${this.options.inChannels.length} (inChannels)`);
    }
    return tf.tidy(() => {
      const laterals = this.lateralConvs.map((conv, i) => conv.forward(inputs[i + this.startLevel]));
      for (let i = laterals.length - 1; i > 0; i--) {
        laterals[i - 1] = tf.add(laterals[i - 1], this.upsample(laterals[i], laterals[i - 1]));
      }
      const used = laterals.length;
      const outs = laterals.map((l, i) => this.fpnConvs[i].forward(l));
      const numOuts = this.options.numOuts;
      if (numOuts > used) {
        if (!this.extraSource) {
          // Max-pool with kernel 1, stride 2 (= subsampling), as MMDetection's F.max_pool2d(out, 1, stride=2).
          while (outs.length < numOuts) outs.push(tf.maxPool(outs[outs.length - 1] as tf.Tensor4D, 1, 2, 0));
        } else {
          const src = this.extraSource === 'on_input' ? inputs[this.backboneEndLevel - 1] : this.extraSource === 'on_lateral' ? laterals[used - 1] : outs[used - 1];
          outs.push(this.fpnConvs[used].forward(src));
          for (let i = used + 1; i < numOuts; i++) {
            const prev = outs[outs.length - 1];
            outs.push(this.fpnConvs[i].forward(this.options.reluBeforeExtraConvs ? tf.relu(prev) : prev));
          }
        }
      }
      return outs;
    });
  }

  /** Nearest upsampling of `x` to `like`'s size, or by upsampleCfg.scaleFactor. */
  private upsample(x: tf.Tensor, like: tf.Tensor): tf.Tensor {
    const [h, w] = [like.shape[1]!, like.shape[2]!];
    const factor = this.options.upsampleCfg?.scaleFactor;
    const size: [number, number] = factor ? [x.shape[1]! * factor, x.shape[2]! * factor] : [h, w];
    return upsampleNearest(x, size);
  }
}
