import * as tf from '@tensorflow/tfjs-core';
import { HEADS } from '@det/registry';
import { Conv2d, normalInitLayer } from '../nn';
import { AnchorHead, AnchorHeadOptions } from '../heads/anchor-head';
import { GtInputs, HeadOutputs } from '../heads/dense-head';
import { featmapSizes, gatherRows, imageRows } from '../heads/head-utils';
import { pickedBoxes } from '../heads/picked-boxes';
import { readAllAndDispose } from '../heads/read-back';
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

  /** Per-anchor objectness probability of image `i` at one level (sigmoid, or softmax's foreground column 0). */
  private levelScores(clsScore: tf.Tensor, i: number): tf.Tensor {
    return tf.tidy(() => {
      const logits = tf.reshape(tf.slice(clsScore, [i, 0, 0, 0], [1, -1, -1, -1]), [-1, this.clsOutChannels]);
      return this.useSigmoidCls ? tf.sigmoid(logits) : tf.slice(tf.softmax(logits), [0, 0], [-1, 1]);
    });
  }

  /**
   * Proposals per image (network-input frame): per level the `nmsPre` best anchors by objectness
   * are decoded (clipped to the image), then finishProposals filters, runs NMS and caps.
   * `cfg` defaults to testCfg (MMDetection passes train_cfg.rpn_proposal while training).
   * Reads synchronously (the training loss runs inside tf.variableGrads); the test path uses
   * getProposalsAsync, which webgpu needs.
   */
  getProposals(outs: HeadOutputs, imgMetas: ImgMeta[], cfg: RpnProposalCfg = this.testCfg): Proposals[] {
    const steps = this.proposalSteps(outs, imgMetas, cfg);
    let next = steps.next();
    while (!next.done) next = steps.next(readAllSync(next.value));
    return next.value;
  }

  /** getProposals with `await data()` reads only (no synchronous tensor read-back). */
  async getProposalsAsync(outs: HeadOutputs, imgMetas: ImgMeta[], cfg: RpnProposalCfg = this.testCfg): Promise<Proposals[]> {
    const steps = this.proposalSteps(outs, imgMetas, cfg);
    let next = steps.next();
    while (!next.done) next = steps.next(await readAllAndDispose(next.value));
    return next.value;
  }

  /**
   * The proposal computation as a generator over its two reads, so that the synchronous and the
   * async entry points share it: it yields the tensors it needs on the host (the caller reads
   * and disposes them, synchronously or not) and returns the proposals. Each read covers every
   * image and level at once — on webgpu one wait for the GPU each, not one per level and image:
   * first the objectness of every anchor, then the deltas of the `nmsPre` best per level.
   */
  private *proposalSteps(outs: HeadOutputs, imgMetas: ImgMeta[], cfg: RpnProposalCfg): Generator<tf.Tensor[], Proposals[], Float32Array[]> {
    const { clsScores, bboxPreds } = outs;
    const sizes = featmapSizes(clsScores);
    const where = `${this.constructor.name} proposal cfg`;
    const nmsPre = checkProposalCfg(cfg, where).nmsPre;
    const anchors = sizes.map((s, l) => this.priorGenerator.singleLevelGridPriorsData(s, l));
    const cells = imgMetas.flatMap((meta, i) => sizes.map((_, l) => ({ meta, i, l })));
    const scores = yield cells.map(({ i, l }) => this.levelScores(clsScores[l], i));
    // scoreThr -Infinity: every anchor is a candidate, ranked by score (ties: lower index first)
    const picked = scores.map((s) => topCandidates(s, 1, -Infinity, nmsPre));
    // the picked deltas, decoded on the host where the coder can (pickedBoxes)
    const decoding = cells.map(({ meta, i, l }, c) => picked[c].prior.length === 0 ? undefined
      : pickedBoxes(this.bboxCoder, gatherRows(anchors[l], 4, picked[c].prior), 4, imageRows(bboxPreds[l], i, 4, picked[c].prior), meta.imgShape.slice(0, 2)));
    const values = yield decoding.filter((d) => d !== undefined).map((d) => d!.read);
    let next = 0;
    const levels: LevelCandidates[] = decoding.map((d, c) => ({ bboxes: d ? d.boxes(values[next++]) : new Float32Array(0), scores: picked[c].scores }));
    return imgMetas.map((_, i) => finishProposals(levels.slice(i * sizes.length, (i + 1) * sizes.length), cfg, where));
  }
}

/** Host copies of `ts`, which are disposed. */
function readAllSync(ts: tf.Tensor[]): Float32Array[] {
  try {
    return ts.map((t) => Float32Array.from(t.dataSync() as Float32Array));
  } finally {
    tf.dispose(ts);
  }
}

