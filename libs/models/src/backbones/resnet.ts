import * as tf from '@tensorflow/tfjs-core';
import { BACKBONES, DetError } from '@det/registry';
import { BatchNorm2d, Conv2d, Layer, MaxPool, Module, NormConfig, InitRng, Sequential, buildNormLayer, normRelu } from '../nn';
import { BasicBlock, Bottleneck } from './resnet-blocks';

export interface ResNetOptions {
  depth: 18 | 34 | 50 | 101;
  inChannels?: number;
  baseChannels?: number;
  numStages?: number;
  strides?: number[];
  /** Stages whose feature maps are returned (0-based; stage i has stride 2^(i+2)). */
  outIndices?: number[];
  style?: 'pytorch' | 'caffe';
  /** Stem and stages 1..frozenStages get no gradients and stay in eval mode; -1 freezes nothing. */
  frozenStages?: number;
  normCfg?: NormConfig;
  /** Keep every BatchNorm in eval mode (running statistics) while training. */
  normEval?: boolean;
  rng?: InitRng;
  /**
   * Start each block's last norm with weight 0, so every residual branch starts at 0 (default true,
   * as MMDetection's ResNet for random init; loaded weights replace it). Without it a randomly
   * initialised ResNet-50 whose BatchNorm keeps its initial statistics (normEval) grows its
   * activations block by block, and RetinaNet at 800×1344 diverged in two SGD steps.
   */
  zeroInitResidual?: boolean;
  /** Ignored here: pretrained weights are loaded with loadCheckpointInto. */
  initCfg?: unknown;
}

const ARCH: Record<number, { block: typeof BasicBlock | typeof Bottleneck; blocks: number[] }> = {
  18: { block: BasicBlock, blocks: [2, 2, 2, 2] },
  34: { block: BasicBlock, blocks: [3, 4, 6, 3] },
  50: { block: Bottleneck, blocks: [3, 4, 6, 3] },
  101: { block: Bottleneck, blocks: [3, 4, 23, 3] },
};

/** ResNet with MMDetection's options and parameter names (`conv1`, `bn1`, `layer1.0.conv1.weight`, ...). */
@BACKBONES.register()
export class ResNet extends Module {
  readonly outIndices: number[];
  readonly frozenStages: number;
  readonly normEval: boolean;
  /** Channels of each returned feature map, in outIndices order. */
  readonly outChannels: number[];
  private readonly stem: { conv: Conv2d; norm: Layer; pool: MaxPool };
  private readonly layers: Sequential[] = [];

  constructor(readonly options: ResNetOptions) {
    super();
    const arch = ARCH[options.depth];
    if (!arch) throw new DetError(`ResNet: depth must be one of 18, 34, 50, 101, got ${options.depth}`);
    const numStages = options.numStages ?? 4;
    const strides = options.strides ?? [1, 2, 2, 2];
    const normCfg = options.normCfg ?? { type: 'BN', requiresGrad: true };
    const base = options.baseChannels ?? 64;
    const style = options.style ?? 'pytorch';
    this.outIndices = options.outIndices ?? [0, 1, 2, 3];
    this.frozenStages = options.frozenStages ?? -1;
    this.normEval = options.normEval ?? true;
    for (const i of this.outIndices) {
      if (!Number.isInteger(i) || i < 0 || i >= numStages) throw new DetError(`ResNet: outIndices entry ${i} is outside 0..${numStages - 1}`);
    }

    const rng = options.rng;
    const conv1 = this.addModule('conv1', new Conv2d({ inChannels: options.inChannels ?? 3, outChannels: base, kernelSize: 7, stride: 2, padding: 3, bias: false, rng }));
    const { name, layer } = buildNormLayer(normCfg, base);
    this.stem = { conv: conv1, norm: this.addModule(`${name}1`, layer), pool: new MaxPool({ kernelSize: 3, stride: 2, padding: 1 }) };

    const Block = arch.block;
    let inplanes = base;
    const stageChannels: number[] = [];
    for (let i = 0; i < numStages; i++) {
      const planes = base * 2 ** i;
      const blocks: Layer[] = [];
      for (let b = 0; b < arch.blocks[i]; b++) {
        const stride = b === 0 ? strides[i] : 1;
        const out = planes * Block.expansion;
        const downsample = b === 0 && (stride !== 1 || inplanes !== out) ? this.downsample(inplanes, out, stride, normCfg, rng) : undefined;
        const block = new Block({ inplanes, planes, stride, downsample, style, normCfg, rng });
        if (options.zeroInitResidual ?? true) block.zeroInitLastNorm();
        blocks.push(block);
        inplanes = out;
      }
      this.layers.push(this.addModule(`layer${i + 1}`, new Sequential(blocks)));
      stageChannels.push(inplanes);
    }
    this.outChannels = this.outIndices.map((i) => stageChannels[i]);
    this.train(true);
  }

  private downsample(inC: number, outC: number, stride: number, normCfg: NormConfig, rng?: InitRng): Sequential {
    const { layer } = buildNormLayer(normCfg, outC);
    return new Sequential([new Conv2d({ inChannels: inC, outChannels: outC, kernelSize: 1, stride, bias: false, rng }), layer]);
  }

  /** Feature maps of the stages in outIndices (NHWC). */
  forward(x: tf.Tensor): tf.Tensor[] {
    return tf.tidy(() => {
      let y = this.stem.pool.forward(normRelu(this.stem.norm, this.stem.conv.forward(x)));
      const outs: tf.Tensor[] = [];
      this.layers.forEach((layer, i) => {
        y = layer.forward(y);
        if (this.outIndices.includes(i)) outs.push(y);
      });
      return outs;
    });
  }

  protected override afterTrainMode(mode: boolean): void {
    this.freezeStages();
    // normEval concerns BatchNorm only: GroupNorm keeps no running statistics.
    if (mode && this.normEval) {
      for (const [, m] of this.namedModules()) if (m instanceof BatchNorm2d) m.train(false);
    }
  }

  private freezeStages(): void {
    if (this.frozenStages < 0) return;
    const frozen: Module[] = [this.stem.conv, this.stem.norm, ...this.layers.slice(0, this.frozenStages)];
    for (const m of frozen) {
      m.requiresGrad(false);
      m.train(false);
    }
  }
}
