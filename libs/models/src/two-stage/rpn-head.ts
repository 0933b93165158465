import * as tf from '@tensorflow/tfjs-core';
import { HEADS } from '@det/registry';
import { Conv2d, normalInitLayer } from '../nn';
import { AnchorHead, AnchorHeadOptions } from '../heads/anchor-head';
import { GtInputs, HeadOutputs } from '../heads/dense-head';
import { featmapSizes, gatherRows } from '../heads/head-utils';
import { topCandidates } from '../heads/post-process';
import { ImgMeta } from '../detectors/types';
import { LevelCandidates, Proposals, RpnProposalCfg, checkProposalCfg, finishProposals } from './rpn-proposals';

export interface RPNHeadOptions extends Omit<AnchorHeadOptions, 'numClasses'> {
  /** Ignored: the RPN is class-agnostic (one objectness score per anchor), as in MMDetection. */
  numClasses?: number;
  /** Proposal settings used at test time (MMDetection's test_cfg.rpn). */
  testCfg?: RpnProposalCfg & AnchorHeadOptions['testCfg'];
}

/**
 * MMDetection's RPNHead: a shared 3×3 conv + ReLU, then 1×1 objectness and 1×1 box deltas per
 * anchor. Losses come from AnchorHead (every gt is class 0); proposals from getProposals.
 * Children: `rpn_conv`, `rpn_cls`, `rpn_reg`.
 */
@HEADS.register()
export class RPNHead extends AnchorHead {
  private declare rpnConv: Conv2d;
  private declare rpnCls: Conv2d;
  private declare rpnReg: Conv2d;

  constructor(options: RPNHeadOptions) {
    super({
      anchorGenerator: { type: 'AnchorGenerator', scales: [8], ratios: [0.5, 1, 2], strides: [4, 8, 16, 32, 64] },
      lossCls: { type: 'CrossEntropyLoss', useSigmoid: true, lossWeight: 1 },
      lossBbox: { type: 'L1Loss', lossWeight: 1 },
      ...options,
      numClasses: 1,
    });
  }

  protected override initLayers(): void {
    const rng = this.options.rng;
    const A = this.numBaseAnchors;
    this.rpnConv = this.addModule('rpn_conv', new Conv2d({ inChannels: this.inChannels, outChannels: this.featChannels, kernelSize: 3, padding: 1, rng }));
    this.rpnCls = this.addModule('rpn_cls', new Conv2d({ inChannels: this.featChannels, outChannels: A * this.clsOutChannels, kernelSize: 1, rng }));
    this.rpnReg = this.addModule('rpn_reg', new Conv2d({ inChannels: this.featChannels, outChannels: A * 4, kernelSize: 1, rng }));
    for (const conv of [this.rpnConv, this.rpnCls, this.rpnReg]) normalInitLayer(conv, 0.01, 0, rng);
  }

  protected override forwardSingle(x: tf.Tensor): [tf.Tensor, tf.Tensor] {
    return tf.tidy(() => {
      const y = tf.relu(this.rpnConv.forward(x));
      return [this.rpnCls.forward(y), this.rpnReg.forward(y)];
    });
  }

  /** `loss_rpn_cls` and `loss_rpn_bbox`; gt labels are ignored (every object is foreground). */
  override loss(outs: HeadOutputs, gt: GtInputs): Record<string, tf.Scalar> {
    const gtLabels = gt.gtBboxes.map((b) => new Int32Array(b.length / 4));
    const { loss_cls, loss_bbox } = super.loss(outs, { ...gt, gtLabels });
    return { loss_rpn_cls: loss_cls, loss_rpn_bbox: loss_bbox };
  }

  /** Per-anchor objectness probability of image `i` at level `l` (sigmoid, or softmax's foreground column 0). */
  private levelScores(clsScore: tf.Tensor, i: number): Float32Array {
    return tf.tidy(() => {
      const logits = tf.reshape(tf.slice(clsScore, [i, 0, 0, 0], [1, -1, -1, -1]), [-1, this.clsOutChannels]);
      const probs = this.useSigmoidCls ? tf.sigmoid(logits) : tf.slice(tf.softmax(logits), [0, 0], [-1, 1]);
      return probs.dataSync() as Float32Array;
    });
  }

  /**
   * Proposals per image (network-input frame): per level the `nmsPre` best anchors by objectness
   * are decoded (clipped to the image), then finishProposals filters, runs NMS and caps.
   * `cfg` defaults to testCfg (MMDetection passes train_cfg.rpn_proposal while training).
   */
  getProposals(outs: HeadOutputs, imgMetas: ImgMeta[], cfg: RpnProposalCfg = this.testCfg): Proposals[] {
    const { clsScores, bboxPreds } = outs;
    const sizes = featmapSizes(clsScores);
    const nmsPre = checkProposalCfg(cfg, `${this.constructor.name} proposal cfg`).nmsPre;
    const anchors = sizes.map((s, l) => this.priorGenerator.singleLevelGridPriorsData(s, l));
    return imgMetas.map((meta, i) => {
      const levels: LevelCandidates[] = sizes.map((_, l) => {
        // scoreThr -Infinity: every anchor is a candidate, ranked by score (ties: lower index first)
        const picked = topCandidates(this.levelScores(clsScores[l], i), 1, -Infinity, nmsPre);
        if (picked.prior.length === 0) return { bboxes: new Float32Array(0), scores: picked.scores };
        const boxes = tf.tidy(() => {
          const deltas = tf.reshape(tf.slice(bboxPreds[l], [i, 0, 0, 0], [1, -1, -1, -1]), [-1, 4]);
          const rows = tf.tensor1d(picked.prior, 'int32');
          const priors = tf.tensor2d(gatherRows(anchors[l], 4, picked.prior), [picked.prior.length, 4]);
          return this.bboxCoder.decode(priors, tf.gather(deltas, rows) as tf.Tensor2D, { maxShape: meta.imgShape.slice(0, 2) });
        });
        const bboxes = Float32Array.from(boxes.dataSync() as Float32Array);
        boxes.dispose();
        return { bboxes, scores: picked.scores };
      });
      return finishProposals(levels, cfg, `${this.constructor.name} proposal cfg`);
    });
  }
}
