import * as tf from '@tensorflow/tfjs-core';
import { BBOX_ASSIGNERS, BBOX_CODERS, BBOX_SAMPLERS, ComponentConfig, DetError, HEADS, LOSSES, PRIOR_GENERATORS } from '@det/registry';
import { Conv2d, InitRng, mapSharedParameters, normalInitLayer } from '../nn';
import { DetResult, ImgMeta } from '../detectors/types';
import { DenseHead, DenseTestCfg, GetBboxesOptions, GtInputs, HeadOutputs } from './dense-head';
import { TargetComponents, anchorTargetsSingle } from './anchor-targets';
import { BoundedCache, ClsTargetMode, checkNumClasses, clsTargetsAsLabels, concatFloat32, concatUint8, denseClassTargets, featmapSizes, gatherRows, gatherRowsWithGrad, imageRows, perLevel, positivesPerLevel } from './head-utils';
import { finishDetections, mergeLevels, topCandidates } from './post-process';
import { readAllAndDispose } from './read-back';
import { type DecodingCoder, readPickedBoxes } from './picked-boxes';

/** A registered loss as heads call it (see losses/reduce.ts). */
export interface LossModule {
  forward(pred: tf.Tensor, target: tf.Tensor, options?: { weight?: tf.Tensor; avgFactor?: number }): tf.Tensor;
  /**
   * True when forward also takes class indices [N] (value C = background) in place of one-hot
   * targets [N,C], and a per-row weight [N] in place of [N,C] (FocalLoss, CrossEntropyLoss).
   */
  readonly takesClassIndices?: boolean;
}

interface PriorGenerator {
  numBasePriors: number[];
  numLevels: number;
  strides: [number, number][];
  singleLevelGridPriorsData(size: [number, number], level: number): Float32Array;
  validFlags(sizes: [number, number][], padShape: number[]): Uint8Array[];
}

interface BoxCoder extends DecodingCoder {
  encode(bboxes: tf.Tensor2D, gt: tf.Tensor2D): tf.Tensor2D;
}

export interface DenseTrainCfg {
  assigner?: ComponentConfig;
  sampler?: ComponentConfig;
  allowedBorder?: number;
  posWeight?: number;
  debug?: boolean;
}

export interface AnchorHeadOptions {
  numClasses: number;
  inChannels: number;
  featChannels?: number;
  anchorGenerator?: ComponentConfig;
  bboxCoder?: ComponentConfig;
  /** Regress (and compute the box loss on) decoded boxes, for IoU-type losses. */
  regDecodedBbox?: boolean;
  lossCls?: ComponentConfig;
  lossBbox?: ComponentConfig;
  trainCfg?: DenseTrainCfg;
  testCfg?: DenseTestCfg;
  rng?: InitRng;
  initCfg?: unknown;
}

/** Losses whose classification is already balanced, so every anchor is used (no sampling). */
const UNSAMPLED_LOSSES = ['FocalLoss', 'GHMC', 'QualityFocalLoss'];

/**
 * MMDetection's AnchorHead: per level a class score and box delta for each anchor, targets from
 * assigner + sampler + coder, and post-processing to detections. Subclasses replace the layers
 * (`initLayers` / `forwardSingle`); RetinaHead is one. Children: `conv_cls`, `conv_reg`.
 */
@HEADS.register()
export class AnchorHead extends DenseHead {
  readonly numClasses: number;
  readonly inChannels: number;
  readonly featChannels: number;
  readonly useSigmoidCls: boolean;
  readonly clsOutChannels: number;
  readonly numBaseAnchors: number;
  readonly sampling: boolean;
  readonly regDecodedBbox: boolean;
  readonly trainCfg: DenseTrainCfg;
  readonly testCfg: DenseTestCfg;
  readonly priorGenerator: PriorGenerator;
  readonly bboxCoder: BoxCoder;
  readonly lossCls: LossModule;
  readonly lossBbox: LossModule;
  private declare convCls: Conv2d;
  private declare convReg: Conv2d;
  private targetParts?: TargetComponents;
  /** Not a config key: lets specs and benches pick the class-target path (see ClsTargetMode). */
  clsTargets: ClsTargetMode = 'auto';
  // Anchors and valid flags depend only on feature / image sizes: built once per size, not per step.
  private readonly anchorCache = new BoundedCache<Float32Array>(4);
  private readonly flagCache = new BoundedCache<Uint8Array>(8);

  constructor(readonly options: AnchorHeadOptions) {
    super();
    this.numClasses = checkNumClasses(options.numClasses, this.constructor.name);
    this.inChannels = options.inChannels;
    this.featChannels = options.featChannels ?? 256;
    const lossClsCfg = options.lossCls ?? { type: 'CrossEntropyLoss', useSigmoid: true, lossWeight: 1 };
    this.useSigmoidCls = lossClsCfg.type === 'FocalLoss' || lossClsCfg.useSigmoid === true;
    this.clsOutChannels = this.useSigmoidCls ? this.numClasses : this.numClasses + 1;
    this.sampling = !UNSAMPLED_LOSSES.includes(lossClsCfg.type);
    this.regDecodedBbox = options.regDecodedBbox ?? false;
    this.trainCfg = options.trainCfg ?? {};
    this.testCfg = options.testCfg ?? {};
    const where = this.constructor.name;
    this.priorGenerator = PRIOR_GENERATORS.build(
      options.anchorGenerator ?? { type: 'AnchorGenerator', scales: [8, 16, 32], ratios: [0.5, 1, 2], strides: [4, 8, 16, 32, 64] },
      { keyPath: `${where}.anchorGenerator` },
    ) as PriorGenerator;
    this.numBaseAnchors = this.priorGenerator.numBasePriors[0];
    this.bboxCoder = BBOX_CODERS.build(options.bboxCoder ?? { type: 'DeltaXYWHBBoxCoder' }, { keyPath: `${where}.bboxCoder` }) as BoxCoder;
    this.lossCls = LOSSES.build(lossClsCfg, { keyPath: `${where}.lossCls` }) as LossModule;
    this.lossBbox = LOSSES.build(options.lossBbox ?? { type: 'SmoothL1Loss', beta: 1 / 9, lossWeight: 1 }, { keyPath: `${where}.lossBbox` }) as LossModule;
    this.initLayers();
  }

  protected initLayers(): void {
    const A = this.numBaseAnchors;
    const rng = this.options.rng;
    this.convCls = this.addModule('conv_cls', new Conv2d({ inChannels: this.inChannels, outChannels: A * this.clsOutChannels, kernelSize: 1, rng }));
    this.convReg = this.addModule('conv_reg', new Conv2d({ inChannels: this.inChannels, outChannels: A * 4, kernelSize: 1, rng }));
    normalInitLayer(this.convCls, 0.01, 0, rng);
    normalInitLayer(this.convReg, 0.01, 0, rng);
  }

  /** [class scores [N,H,W,A·C], box deltas [N,H,W,A·4]] of one level. */
  protected forwardSingle(x: tf.Tensor): [tf.Tensor, tf.Tensor] {
    return [this.convCls.forward(x), this.convReg.forward(x)];
  }

  forward(feats: tf.Tensor[]): HeadOutputs {
    if (feats.length !== this.priorGenerator.numLevels) {
      throw new DetError(`${this.constructor.name}: got ${feats.length} feature levels, the anchor generator has ${this.priorGenerator.numLevels} strides`);
    }
    // every level runs the same layers: one gradient sum per parameter (nn/shared-parameters.ts)
    const outs = mapSharedParameters([this], feats, (x) => this.forwardSingle(x));
    return { clsScores: outs.map(([c]) => c), bboxPreds: outs.map(([, b]) => b) };
  }

  /** Anchors of all levels for these feature sizes, flat (level-major, then y, x, anchor); cached, read-only. */
  private allAnchors(sizes: [number, number][]): Float32Array {
    return this.anchorCache.get(sizes.join(';'), () => concatFloat32(sizes.map((s, l) => this.priorGenerator.singleLevelGridPriorsData(s, l))));
  }

  private components(): TargetComponents {
    if (this.targetParts) return this.targetParts;
    const where = this.constructor.name;
    if (!this.trainCfg.assigner) throw new DetError(`${where}: training needs trainCfg.assigner (e.g. { type: 'MaxIoUAssigner', posIouThr: 0.5, negIouThr: 0.4 })`);
    const assigner = BBOX_ASSIGNERS.build(this.trainCfg.assigner, { keyPath: 'trainCfg.assigner' }) as TargetComponents['assigner'];
    const samplerCfg = this.sampling && this.trainCfg.sampler ? this.trainCfg.sampler : { type: 'PseudoSampler' };
    const sampler = BBOX_SAMPLERS.build(samplerCfg, { keyPath: 'trainCfg.sampler' }) as TargetComponents['sampler'];
    this.targetParts = { assigner, sampler, coder: this.bboxCoder };
    return this.targetParts;
  }

  loss(outs: HeadOutputs, gt: GtInputs): Record<string, tf.Scalar> {
    const { clsScores, bboxPreds } = outs;
    const sizes = featmapSizes(clsScores);
    const anchors = this.allAnchors(sizes);
    const numAnchors = anchors.length / 4;
    const parts = this.components();
    const n = gt.imgMetas.length;
    const labels = new Int32Array(n * numAnchors);
    const labelWeights = new Float32Array(n * numAnchors);
    const posRows: number[] = [];
    const posTargets: Float32Array[] = [];
    let numTotalPos = 0;
    let numTotalNeg = 0;
    for (let i = 0; i < n; i++) {
      const t = anchorTargetsSingle(
        {
          anchors,
          validFlags: this.insideFlags(sizes, anchors, gt.imgMetas[i]),
          gtBboxes: gt.gtBboxes[i],
          gtLabels: gt.gtLabels[i],
          gtBboxesIgnore: gt.gtBboxesIgnore?.[i],
          numClasses: this.numClasses,
          regDecodedBbox: this.regDecodedBbox,
          posWeight: this.trainCfg.posWeight ?? -1,
        },
        parts,
      );
      labels.set(t.labels, i * numAnchors);
      labelWeights.set(t.labelWeights, i * numAnchors);
      t.posInds.forEach((a) => posRows.push(i * numAnchors + a));
      posTargets.push(t.posTargets);
      // MMDetection counts at least one positive per image.
      numTotalPos += Math.max(t.posInds.length, 1);
      numTotalNeg += Math.max(t.numNeg, 1);
    }
    const avgFactor = this.sampling ? numTotalPos + numTotalNeg : numTotalPos;
    // Losses run per level on each level's own map (no concat, whose gradient is slow on CPU
    // backends); with one avgFactor their sum equals the loss over all anchors, as MMDetection.
    const counts = sizes.map(([h, w], l) => h * w * this.priorGenerator.numBasePriors[l]);
    const levelLabels = perLevel(labels, n, counts);
    const levelWeights = perLevel(labelWeights, n, counts);
    const levelPos = positivesPerLevel(posRows, counts);
    const allTargets = concatFloat32(posTargets);
    // forwardSingle runs the same layers on every level, so one level's positives give every box
    // branch parameter its gradient; the levels without positives add exact zeros to the loss
    // and to each gradient and are left out (their box branch then needs no backward pass: ~25
    // dispatches per level on webgpu). Without any positive, one zero term still gives those
    // parameters their (zero) gradient, as MMDetection's concatenated predictions do.
    const anyPositive = levelPos.some((p) => p.local.length > 0);
    return tf.tidy(() => {
      const clsLosses: tf.Tensor[] = [];
      const bboxLosses: tf.Tensor[] = [];
      clsScores.forEach((score, l) => {
        const cls = tf.reshape(score, [-1, this.clsOutChannels]);
        clsLosses.push(this.clsLossLevel(cls, levelLabels[l], levelWeights[l], avgFactor));
        const { local, which } = levelPos[l];
        if (local.length === 0) {
          if (!anyPositive && l === 0) bboxLosses.push(tf.mul(tf.sum(bboxPreds[l]), 0));
          return;
        }
        let pred = gatherRowsWithGrad(tf.reshape(bboxPreds[l], [-1, 4]) as tf.Tensor2D, local);
        const target = tf.tensor2d(gatherRows(allTargets, 4, which), [which.length, 4]);
        if (this.regDecodedBbox) {
          const posAnchors = gatherRows(anchors, 4, which.map((j) => posRows[j] % numAnchors));
          pred = this.bboxCoder.decode(tf.tensor2d(posAnchors, [which.length, 4]), pred);
        }
        bboxLosses.push(this.lossBbox.forward(pred, target, { avgFactor }));
      });
      return { loss_cls: tf.addN(clsLosses) as tf.Scalar, loss_bbox: tf.addN(bboxLosses) as tf.Scalar };
    });
  }

  /**
   * Labels [rows] + row weights [rows] for the loss to expand on the device, or, for sigmoid heads
   * on host backends, dense one-hot targets and [rows, C] weights built on the host (no one-hot
   * and broadcast multiply, the slowest kernels of a CPU train step). Same values (ClsTargetMode).
   */
  private clsLossLevel(cls: tf.Tensor, labels: Int32Array, weights: Float32Array, avgFactor: number): tf.Tensor {
    if (!this.useSigmoidCls || clsTargetsAsLabels(this.clsTargets, this.lossCls)) {
      return this.lossCls.forward(cls, tf.tensor1d(labels, 'int32'), { weight: tf.tensor1d(weights), avgFactor });
    }
    const { targets, weight } = denseClassTargets(labels, weights, this.numClasses);
    return this.lossCls.forward(cls, tf.tensor2d(targets, [labels.length, this.numClasses]), { weight: tf.tensor2d(weight, [labels.length, this.numClasses]), avgFactor });
  }

  /** Valid anchors of one image: inside the un-padded image, and within allowedBorder when ≥ 0; cached, read-only. */
  private insideFlags(sizes: [number, number][], anchors: Float32Array, meta: ImgMeta): Uint8Array {
    const border = this.trainCfg.allowedBorder ?? -1;
    const padHW = meta.padShape.slice(0, 2);
    const key = `${sizes.join(';')}|${padHW}|${border < 0 ? '' : `${meta.imgShape.slice(0, 2)}|${border}`}`;
    return this.flagCache.get(key, () => {
      const flags = concatUint8(this.priorGenerator.validFlags(sizes, padHW));
      if (border < 0) return flags;
      const [h, w] = meta.imgShape;
      for (let i = 0; i < flags.length; i++) {
        const inside = anchors[i * 4] >= -border && anchors[i * 4 + 1] >= -border && anchors[i * 4 + 2] < w + border && anchors[i * 4 + 3] < h + border;
        if (!inside) flags[i] = 0;
      }
      return flags;
    });
  }

  /**
   * Async: scores and boxes are read back with `await data()` (webgpu has no synchronous reads),
   * per image every level's scores in one read, then every level's picked deltas in one (on
   * webgpu one wait for the GPU each, not one per level).
   */
  async getBboxes(outs: HeadOutputs, imgMetas: ImgMeta[], options: GetBboxesOptions = {}): Promise<DetResult[]> {
    const { clsScores, bboxPreds } = outs;
    const sizes = featmapSizes(clsScores);
    const cfg = this.testCfg;
    const C = this.numClasses;
    const anchors = sizes.map((s, l) => this.priorGenerator.singleLevelGridPriorsData(s, l));
    const results: DetResult[] = [];
    for (let i = 0; i < imgMetas.length; i++) {
      const meta = imgMetas[i];
      const scores = await readAllAndDispose(clsScores.map((scoreMap) => tf.tidy(() => {
        const logits = tf.reshape(tf.slice(scoreMap, [i, 0, 0, 0], [1, -1, -1, -1]), [-1, this.clsOutChannels]);
        // softmax heads: drop the background column (last)
        return this.useSigmoidCls ? tf.sigmoid(logits) : tf.slice(tf.softmax(logits), [0, 0], [-1, C]);
      })));
      const picked = scores.map((s) => topCandidates(s, C, cfg.scoreThr ?? 0, cfg.nmsPre ?? -1));
      const bboxes = await readPickedBoxes(this.bboxCoder, picked.map((p, l) => p.prior.length === 0 ? undefined
        : { priors: gatherRows(anchors[l], 4, p.prior), width: 4, deltas: imageRows(bboxPreds[l], i, 4, p.prior) }), meta.imgShape.slice(0, 2));
      const levels = picked.map((p, l) => ({ bboxes: bboxes[l], scores: p.scores, labels: p.labels }));
      results.push(finishDetections(mergeLevels(levels), meta, cfg, options));
    }
    return results;
  }
}
