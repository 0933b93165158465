import * as tf from '@tensorflow/tfjs-core';
import { BBOX_CODERS, ComponentConfig, DetError, HEADS, LOSSES, PRIOR_GENERATORS } from '@det/registry';
import { Conv2d, ConvModule, InitRng, ModuleList, NormConfig, Scale, biasInitWithProb, mapSharedParameters, normalInitLayer } from '../nn';
import { DetResult, ImgMeta } from '../detectors/types';
import { DenseHead, DenseTestCfg, GetBboxesOptions, GtInputs, HeadOutputs } from './dense-head';
import { LossModule } from './anchor-head';
import { centernessTargets, fcosTargetsSingle } from './fcos-targets';
import { ClsTargetMode, checkNumClasses, clsTargetsAsLabels, concatFloat32, denseClassTargets, featmapSizes, gatherRows, gatherRowsWithGrad, imageRows, perLevel, positivesPerLevel } from './head-utils';
import { finishDetections, mergeLevels, topCandidates } from './post-process';
import { readAllAndDispose } from './read-back';
import { type DecodingCoder, readPickedBoxes } from './picked-boxes';

const INF = 1e8;

export interface FCOSHeadOptions {
  numClasses: number;
  inChannels: number;
  featChannels?: number;
  stackedConvs?: number;
  strides?: number[];
  regressRanges?: [number, number][];
  centerSampling?: boolean;
  centerSampleRadius?: number;
  /** Regress distances in units of the level's stride, through a ReLU instead of exp. */
  normOnBbox?: boolean;
  /** Predict centerness from the regression branch (true) or the classification branch. */
  centernessOnReg?: boolean;
  normCfg?: NormConfig | null;
  bboxCoder?: ComponentConfig;
  lossCls?: ComponentConfig;
  lossBbox?: ComponentConfig;
  lossCenterness?: ComponentConfig;
  trainCfg?: Record<string, unknown>;
  testCfg?: DenseTestCfg;
  rng?: InitRng;
  initCfg?: unknown;
}

interface PointGenerator {
  numLevels: number;
  singleLevelGridPriorsData(size: [number, number], level: number): Float32Array;
}

type PointCoder = DecodingCoder;

/**
 * FCOS (MMDetection FCOSHead): per point a class score, l/t/r/b distances scaled per level by a
 * learnable `Scale`, and a centerness logit. Children: `cls_convs.{i}`, `reg_convs.{i}`,
 * `conv_cls`, `conv_reg`, `conv_centerness`, `scales.{l}.scale`.
 */
@HEADS.register()
export class FCOSHead extends DenseHead {
  readonly numClasses: number;
  readonly strides: number[];
  readonly regressRanges: [number, number][];
  readonly testCfg: DenseTestCfg;
  readonly lossCls: LossModule;
  readonly lossBbox: LossModule;
  readonly lossCenterness: LossModule;
  private readonly pointGenerator: PointGenerator;
  private readonly coder: PointCoder;
  private readonly clsConvs: ConvModule[];
  private readonly regConvs: ConvModule[];
  private readonly convCls: Conv2d;
  private readonly convReg: Conv2d;
  private readonly convCenterness: Conv2d;
  private readonly scales: Scale[];
  /** Not a config key: lets specs and benches pick the class-target path (see ClsTargetMode). */
  clsTargets: ClsTargetMode = 'auto';

  constructor(readonly options: FCOSHeadOptions) {
    super();
    this.numClasses = checkNumClasses(options.numClasses, 'FCOSHead');
    this.strides = options.strides ?? [4, 8, 16, 32, 64];
    this.regressRanges = options.regressRanges ?? [[-1, 64], [64, 128], [128, 256], [256, 512], [512, INF]];
    if (this.regressRanges.length !== this.strides.length) {
      throw new DetError(`FCOSHead: ${this.regressRanges.length} regressRanges for ${this.strides.length} strides`);
    }
    this.testCfg = options.testCfg ?? {};
    const lossClsCfg = options.lossCls ?? { type: 'FocalLoss', useSigmoid: true, gamma: 2, alpha: 0.25, lossWeight: 1 };
    if (lossClsCfg.useSigmoid === false) throw new DetError('FCOSHead.lossCls: only sigmoid classification is supported');
    this.lossCls = LOSSES.build(lossClsCfg, { keyPath: 'FCOSHead.lossCls' }) as LossModule;
    this.lossBbox = LOSSES.build(options.lossBbox ?? { type: 'IoULoss', lossWeight: 1 }, { keyPath: 'FCOSHead.lossBbox' }) as LossModule;
    this.lossCenterness = LOSSES.build(options.lossCenterness ?? { type: 'CrossEntropyLoss', useSigmoid: true, lossWeight: 1 }, { keyPath: 'FCOSHead.lossCenterness' }) as LossModule;
    this.pointGenerator = PRIOR_GENERATORS.build({ type: 'MlvlPointGenerator', strides: this.strides }) as PointGenerator;
    this.coder = BBOX_CODERS.build(options.bboxCoder ?? { type: 'DistancePointBBoxCoder' }, { keyPath: 'FCOSHead.bboxCoder' }) as PointCoder;

    const inC = options.inChannels;
    const featC = options.featChannels ?? 256;
    const n = options.stackedConvs ?? 4;
    const normCfg = options.normCfg === undefined ? { type: 'GN', numGroups: 32, requiresGrad: true } : options.normCfg;
    const rng = options.rng;
    const branch = () =>
      Array.from({ length: n }, (_, i) => {
        const m = new ConvModule({ inChannels: i === 0 ? inC : featC, outChannels: featC, kernelSize: 3, padding: 1, normCfg, rng });
        normalInitLayer(m.conv, 0.01, 0, rng);
        return m;
      });
    this.clsConvs = this.addModule('cls_convs', new ModuleList(branch())).items;
    this.regConvs = this.addModule('reg_convs', new ModuleList(branch())).items;
    const c = n > 0 ? featC : inC;
    this.convCls = this.addModule('conv_cls', new Conv2d({ inChannels: c, outChannels: this.numClasses, kernelSize: 3, padding: 1, rng }));
    this.convReg = this.addModule('conv_reg', new Conv2d({ inChannels: c, outChannels: 4, kernelSize: 3, padding: 1, rng }));
    this.convCenterness = this.addModule('conv_centerness', new Conv2d({ inChannels: c, outChannels: 1, kernelSize: 3, padding: 1, rng }));
    normalInitLayer(this.convCls, 0.01, biasInitWithProb(0.01), rng);
    normalInitLayer(this.convReg, 0.01, 0, rng);
    normalInitLayer(this.convCenterness, 0.01, 0, rng);
    this.scales = this.addModule('scales', new ModuleList(this.strides.map(() => new Scale({ scale: 1 })))).items;
  }

  /** Class logits [N,H,W,C], distances [N,H,W,4] (≥ 0; in strides when normOnBbox), centerness logits [N,H,W,1]. */
  forward(feats: tf.Tensor[]): HeadOutputs {
    if (feats.length !== this.strides.length) throw new DetError(`FCOSHead: got ${feats.length} feature levels for ${this.strides.length} strides`);
    // the convs run on every level (the scales are per level): one gradient sum per parameter
    const shared = [...this.clsConvs, ...this.regConvs, this.convCls, this.convReg, this.convCenterness];
    const outs = mapSharedParameters(shared, feats, (x, l) =>
      tf.tidy(() => {
        let clsFeat = x;
        for (const m of this.clsConvs) clsFeat = m.forward(clsFeat);
        let regFeat = x;
        for (const m of this.regConvs) regFeat = m.forward(regFeat);
        const scaled = this.scales[l].forward(this.convReg.forward(regFeat));
        const dist = this.options.normOnBbox ? tf.relu(scaled) : tf.exp(scaled);
        const ctrness = this.convCenterness.forward(this.options.centernessOnReg ? regFeat : clsFeat);
        return [this.convCls.forward(clsFeat), dist, ctrness];
      }),
    );
    return { clsScores: outs.map(([c]) => c), bboxPreds: outs.map(([, b]) => b), centernesses: outs.map(([, , ctr]) => ctr) };
  }

  private pointsAndRanges(sizes: [number, number][]): { points: Float32Array; ranges: Float32Array; strides: Float32Array } {
    const points = concatFloat32(sizes.map((s, l) => this.pointGenerator.singleLevelGridPriorsData(s, l)));
    const ranges = new Float32Array(points.length);
    const strides = new Float32Array(points.length / 2);
    let o = 0;
    sizes.forEach(([h, w], l) => {
      for (let i = 0; i < h * w; i++, o++) {
        ranges[o * 2] = this.regressRanges[l][0];
        ranges[o * 2 + 1] = this.regressRanges[l][1];
        strides[o] = this.strides[l];
      }
    });
    return { points, ranges, strides };
  }

  loss(outs: HeadOutputs, gt: GtInputs): Record<string, tf.Scalar> {
    const { clsScores, bboxPreds, centernesses } = outs;
    const { points: pointsData, ranges, strides } = this.pointsAndRanges(featmapSizes(clsScores));
    const numPoints = pointsData.length / 2;
    const n = gt.imgMetas.length;
    const labels = new Int32Array(n * numPoints);
    const posRows: number[] = [];
    const posTargets: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = fcosTargetsSingle({
        points: pointsData, regressRanges: ranges, strides, gtBboxes: gt.gtBboxes[i], gtLabels: gt.gtLabels[i], numClasses: this.numClasses,
        centerSampling: this.options.centerSampling ?? false, centerSampleRadius: this.options.centerSampleRadius ?? 1.5, normOnBbox: this.options.normOnBbox ?? false,
      });
      labels.set(t.labels, i * numPoints);
      t.labels.forEach((lab, p) => {
        if (lab < this.numClasses) {
          posRows.push(i * numPoints + p);
          for (let k = 0; k < 4; k++) posTargets.push(t.bboxTargets[p * 4 + k]);
        }
      });
    }
    const numPos = Math.max(posRows.length, 1);
    const targetsData = Float32Array.from(posTargets);
    const ctrTargetsData = centernessTargets(targetsData);
    const ctrDenorm = Math.max(ctrTargetsData.reduce((s, v) => s + v, 0), 1e-6);
    // Per-level losses with global normalisers: their sum is the loss over all points (no concat).
    const counts = featmapSizes(clsScores).map(([h, w]) => h * w);
    const levelLabels = perLevel(labels, n, counts);
    const levelPos = positivesPerLevel(posRows, counts);
    return tf.tidy(() => {
      const cls: tf.Tensor[] = [];
      const bbox: tf.Tensor[] = [];
      const ctr: tf.Tensor[] = [];
      const asLabels = clsTargetsAsLabels(this.clsTargets, this.lossCls);
      clsScores.forEach((score, l) => {
        const rows = levelLabels[l].length;
        // labels expanded on the device, or one-hot built on the host (see ClsTargetMode)
        const target = asLabels ? tf.tensor1d(levelLabels[l], 'int32') : tf.tensor2d(denseClassTargets(levelLabels[l], undefined, this.numClasses).targets, [rows, this.numClasses]);
        cls.push(this.lossCls.forward(tf.reshape(score, [-1, this.numClasses]), target, { avgFactor: numPos }));
        const { local, which } = levelPos[l];
        if (local.length === 0) {
          // zero terms keep this level's Scale and maps in the graph (every parameter gets a gradient)
          bbox.push(tf.mul(tf.sum(bboxPreds[l]), 0));
          ctr.push(tf.mul(tf.sum(centernesses[l]), 0));
          return;
        }
        const ctrT = tf.tensor1d(Float32Array.from(which, (j) => ctrTargetsData[j]));
        const points = tf.tensor2d(gatherRows(pointsData, 2, which.map((j) => posRows[j] % numPoints)), [which.length, 2]);
        const predBoxes = this.coder.decode(points, gatherRowsWithGrad(tf.reshape(bboxPreds[l], [-1, 4]) as tf.Tensor2D, local));
        const targetBoxes = this.coder.decode(points, tf.tensor2d(gatherRows(targetsData, 4, which), [which.length, 4]));
        bbox.push(this.lossBbox.forward(predBoxes, targetBoxes, { weight: ctrT, avgFactor: ctrDenorm }));
        const ctrPred = gatherRowsWithGrad(tf.reshape(centernesses[l], [-1, 1]) as tf.Tensor2D, local);
        ctr.push(this.lossCenterness.forward(ctrPred, tf.reshape(ctrT, [-1, 1]), { avgFactor: numPos }));
      });
      return { loss_cls: tf.addN(cls) as tf.Scalar, loss_bbox: tf.addN(bbox) as tf.Scalar, loss_centerness: tf.addN(ctr) as tf.Scalar };
    });
  }

  /**
   * Async: scores, centerness and boxes are read back with `await data()` (webgpu has no
   * synchronous reads), per image every level's scores and centerness in one read, then every
   * level's picked distances in one (on webgpu one wait for the GPU each, not two per level).
   */
  async getBboxes(outs: HeadOutputs, imgMetas: ImgMeta[], options: GetBboxesOptions = {}): Promise<DetResult[]> {
    const { clsScores, bboxPreds, centernesses } = outs;
    const sizes = featmapSizes(clsScores);
    const cfg = this.testCfg;
    const C = this.numClasses;
    const L = sizes.length;
    const image = (t: tf.Tensor, i: number, k: number) => tf.reshape(tf.slice(t, [i, 0, 0, 0], [1, -1, -1, -1]), [-1, k]);
    const points = sizes.map((s, l) => this.pointGenerator.singleLevelGridPriorsData(s, l));
    const results: DetResult[] = [];
    for (let i = 0; i < imgMetas.length; i++) {
      const meta = imgMetas[i];
      const read = await readAllAndDispose([
        ...clsScores.map((t) => tf.tidy(() => tf.sigmoid(image(t, i, C)))),
        ...centernesses.map((t) => tf.tidy(() => tf.sigmoid(image(t, i, 1)))),
      ]);
      const picked = read.slice(0, L).map((s) => topCandidates(s, C, cfg.scoreThr ?? 0, cfg.nmsPre ?? -1));
      const bboxes = await readPickedBoxes(this.coder, picked.map((p, l) => p.prior.length === 0 ? undefined : {
        priors: gatherRows(points[l], 2, p.prior),
        width: 2,
        deltas: tf.tidy(() => {
          const d = imageRows(bboxPreds[l], i, 4, p.prior);
          return this.options.normOnBbox ? (tf.mul(d, this.strides[l]) as tf.Tensor2D) : d;
        }),
      }), meta.imgShape.slice(0, 2));
      // final score = class probability · centerness (MMDetection's score factors)
      const levels = picked.map((p, l) => ({
        bboxes: bboxes[l],
        scores: Float32Array.from(p.scores, (s, j) => s * read[L + l][p.prior[j]]),
        labels: p.labels,
      }));
      results.push(finishDetections(mergeLevels(levels), meta, cfg, options));
    }
    return results;
  }
}
