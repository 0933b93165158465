import * as tf from '@tensorflow/tfjs-core';
import { DetError, LOSSES, type ComponentConfig } from '@det/registry';
import {
  Conv2d, ConvModule, DenseHead, ModuleList, biasInitWithProb, nmsDetections, normalInitLayer, rescaleBoxes, topCandidates,
  type DenseTestCfg, type DetResult, type GetBboxesOptions, type GtInputs, type HeadOutputs, type ImgMeta, type InitRng,
} from '@det/models';
import { GridAssigner, type GridAssignerOptions } from './grid-assigner';
import { decodeYolo, encodeYolo } from './yolo-coder';
import { levelPriors, responsibleFlags, type YoloLevel } from './yolo-priors';

interface LossModule {
  forward(pred: tf.Tensor, target: tf.Tensor, options?: { weight?: tf.Tensor; avgFactor?: number }): tf.Tensor;
}

export interface YOLOV3HeadOptions {
  numClasses: number;
  /** Channels of each input level, in the order the features arrive. */
  inChannels: number[];
  /** Channels of each level's 3×3 bridge conv (default: twice the input). */
  outChannels?: number[];
  /** Stride of each input level, same order as inChannels. */
  featmapStrides: number[];
  /** MMDetection's YOLOAnchorGenerator: `baseSizes[level]` = [[w, h], …] in pixels. */
  anchorGenerator: { type?: string; baseSizes: [number, number][][] };
  lossCls?: ComponentConfig;
  lossConf?: ComponentConfig;
  lossXY?: ComponentConfig;
  lossWH?: ComponentConfig;
  trainCfg?: { assigner?: ComponentConfig & Partial<GridAssignerOptions> };
  testCfg?: DenseTestCfg & { confThr?: number };
  rng?: InitRng;
  initCfg?: unknown;
}

const sumLoss = (type: string) => ({ type, useSigmoid: true, lossWeight: 1, reduction: 'sum' });

/**
 * YOLOv3's head (MMDetection YOLOV3Head): per level a 3×3 ConvModule + LeakyReLU(0.1) "bridge" and a
 * 1×1 conv predicting, for each of A anchors, (tx, ty, tw, th, objectness, class logits).
 * Targets from the GridAssigner; losses: BCE on σ(txy) offsets, MSE on log sizes, BCE on
 * objectness (positives and negatives) and on classes (positives), summed and divided by the
 * number of images. Children: `convs_bridge.{i}`, `convs_pred.{i}`.
 */
export class YOLOV3Head extends DenseHead {
  readonly numClasses: number;
  readonly testCfg: DenseTestCfg & { confThr?: number };
  readonly levels: YoloLevel[];
  private readonly bridges: ConvModule[];
  private readonly preds: Conv2d[];
  private readonly assigner: GridAssigner;
  private readonly lossCls: LossModule;
  private readonly lossConf: LossModule;
  private readonly lossXY: LossModule;
  private readonly lossWH: LossModule;

  constructor(readonly options: YOLOV3HeadOptions) {
    super();
    const { numClasses, inChannels, featmapStrides } = options;
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new DetError(`YOLOV3Head: numClasses must be a positive integer, got ${numClasses}`);
    const baseSizes = options.anchorGenerator?.baseSizes;
    if (!Array.isArray(inChannels) || !Array.isArray(featmapStrides) || !Array.isArray(baseSizes) ||
      inChannels.length !== featmapStrides.length || baseSizes.length !== inChannels.length) {
      throw new DetError(
        `YOLOV3Head: inChannels (${JSON.stringify(inChannels)}), featmapStrides (${JSON.stringify(featmapStrides)}) and anchorGenerator.baseSizes (${baseSizes?.length ?? 'missing'} levels) must have one entry per level`,
      );
    }
    const A = baseSizes[0].length;
    if (baseSizes.some((b) => b.length !== A)) throw new DetError('YOLOV3Head: every level needs the same number of anchors');
    this.numClasses = numClasses;
    this.testCfg = options.testCfg ?? {};
    this.levels = featmapStrides.map((stride, i) => ({ stride, baseSizes: baseSizes[i] }));
    const outChannels = options.outChannels ?? inChannels.map((c) => c * 2);
    const rng = options.rng;
    this.bridges = inChannels.map((c, i) => new ConvModule({ inChannels: c, outChannels: outChannels[i], kernelSize: 3, padding: 1, normCfg: { type: 'BN' }, actCfg: null, rng }));
    this.preds = outChannels.map((c) => {
      const conv = new Conv2d({ inChannels: c, outChannels: A * (5 + numClasses), kernelSize: 1, rng });
      normalInitLayer(conv, 0.01, 0, rng);
      // Objectness and class logits start at p = 0.01 (MMDetection's init_weights).
      const bias = Array.from({ length: A * (5 + numClasses) }, (_, k) => (k % (5 + numClasses) >= 4 ? biasInitWithProb(0.01) : 0));
      const init = tf.tensor1d(bias);
      conv.bias!.assign(init);
      init.dispose();
      return conv;
    });
    this.addModule('convs_bridge', new ModuleList(this.bridges));
    this.addModule('convs_pred', new ModuleList(this.preds));
    const { type: _t, ...assignerOptions } = options.trainCfg?.assigner ?? { type: 'GridAssigner', posIouThr: 0.5, negIouThr: 0.5, minPosIou: 0 };
    this.assigner = new GridAssigner(assignerOptions as unknown as GridAssignerOptions);
    const build = (cfg: ComponentConfig | undefined, fallback: ComponentConfig, key: string) => LOSSES.build(cfg ?? fallback, { keyPath: `YOLOV3Head.${key}` }) as LossModule;
    this.lossCls = build(options.lossCls, sumLoss('CrossEntropyLoss'), 'lossCls');
    this.lossConf = build(options.lossConf, sumLoss('CrossEntropyLoss'), 'lossConf');
    this.lossXY = build(options.lossXY, sumLoss('CrossEntropyLoss'), 'lossXY');
    this.lossWH = build(options.lossWH, { type: 'MSELoss', lossWeight: 1, reduction: 'sum' }, 'lossWH');
  }

  get numAnchors(): number {
    return this.levels[0].baseSizes.length;
  }

  forward(feats: tf.Tensor[]): HeadOutputs {
    if (feats.length !== this.levels.length) {
      throw new DetError(`YOLOV3Head: got ${feats.length} feature levels, the head has ${this.levels.length} (featmapStrides)`);
    }
    const predMaps = feats.map((f, i) =>
      tf.tidy(() => this.preds[i].forward(tf.leakyRelu(this.bridges[i].forward(f), 0.1))),
    );
    return { predMaps };
  }

  /** Per image: assigned gt index (+1, 0 negative, -1 ignored) of every prior of every level. */
  private targets(sizes: [number, number][], gt: GtInputs) {
    const n = gt.imgMetas.length;
    const C = this.numClasses;
    const priorsPerLevel = this.levels.map((l, i) => levelPriors(l, sizes[i][0], sizes[i][1]));
    const M = priorsPerLevel.reduce((s, p) => s + p.length / 4, 0);
    const priors = new Float32Array(M * 4);
    const strides = new Float32Array(M);
    let o = 0;
    priorsPerLevel.forEach((p, i) => {
      priors.set(p, o * 4);
      strides.fill(this.levels[i].stride, o, o + p.length / 4);
      o += p.length / 4;
    });
    const t = {
      M,
      xy: new Float32Array(n * M * 2), wh: new Float32Array(n * M * 2), conf: new Float32Array(n * M),
      confWeight: new Float32Array(n * M), pos: new Float32Array(n * M), cls: new Float32Array(n * M * C),
    };
    for (let b = 0; b < n; b++) {
      const gts = gt.gtBboxes[b] ?? new Float32Array(0);
      const labels = gt.gtLabels[b] ?? new Int32Array(0);
      const flags = new Uint8Array(M);
      let f = 0;
      this.levels.forEach((l, i) => {
        const part = responsibleFlags(l, sizes[i][0], sizes[i][1], gts);
        flags.set(part, f);
        f += part.length;
      });
      const assigned = this.assigner.assign(priors, flags, gts);
      for (let i = 0; i < M; i++) {
        const r = b * M + i;
        const a = assigned[i];
        if (a < 0) continue;
        t.confWeight[r] = 1;
        if (a === 0) continue;
        const g = a - 1;
        const enc = encodeYolo(priors.subarray(i * 4, i * 4 + 4), gts.subarray(g * 4, g * 4 + 4), strides[i]);
        t.pos[r] = 1;
        t.conf[r] = 1;
        t.xy.set(enc.slice(0, 2), r * 2);
        t.wh.set(enc.slice(2, 4), r * 2);
        t.cls[r * C + labels[g]] = 1;
      }
    }
    return t;
  }

  loss(outs: HeadOutputs, gt: GtInputs): Record<string, tf.Scalar> {
    const maps = outs.predMaps;
    const n = gt.imgMetas.length;
    const K = 5 + this.numClasses;
    const sizes = maps.map((m) => [m.shape[1]!, m.shape[2]!] as [number, number]);
    const t = this.targets(sizes, gt);
    return tf.tidy(() => {
      // [n, h·w·A, K] per level, concatenated over levels → [n·M, K] rows in the targets' order.
      const flat = tf.concat(maps.map((m) => tf.reshape(m, [n, -1, K])), 1);
      const pred = tf.reshape(flat, [n * t.M, K]) as tf.Tensor2D;
      const rows = n * t.M;
      const pos = tf.tensor1d(t.pos);
      const scale = 1 / n;
      const part = (start: number, size: number) => tf.slice(pred, [0, start], [rows, size]);
      return {
        loss_cls: tf.mul(this.lossCls.forward(part(5, this.numClasses), tf.tensor2d(t.cls, [rows, this.numClasses]), { weight: pos }), scale) as tf.Scalar,
        loss_conf: tf.mul(this.lossConf.forward(part(4, 1), tf.tensor2d(t.conf, [rows, 1]), { weight: tf.tensor1d(t.confWeight) }), scale) as tf.Scalar,
        loss_xy: tf.mul(this.lossXY.forward(part(0, 2), tf.tensor2d(t.xy, [rows, 2]), { weight: pos }), scale) as tf.Scalar,
        loss_wh: tf.mul(this.lossWH.forward(part(2, 2), tf.tensor2d(t.wh, [rows, 2]), { weight: pos }), scale) as tf.Scalar,
      };
    });
  }

  /** Async: the maps are read with `await data()` (webgpu has no synchronous reads). */
  async getBboxes(outs: HeadOutputs, imgMetas: ImgMeta[], options: GetBboxesOptions = {}): Promise<DetResult[]> {
    const K = 5 + this.numClasses;
    const C = this.numClasses;
    const cfg = this.testCfg;
    const confThr = cfg.confThr ?? 0.005;
    const data = await Promise.all(outs.predMaps.map(async (m) => (await m.data()) as Float32Array));
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    return imgMetas.map((meta, b) => {
      const boxes: number[] = [];
      const scores: number[] = [];
      const labels: number[] = [];
      this.levels.forEach((level, li) => {
        const [, h, w] = outs.predMaps[li].shape as number[];
        const priors = levelPriors(level, h, w);
        const count = priors.length / 4;
        const base = b * count * K;
        // Objectness filter first (MMDetection's conf_thr), then class scores × objectness.
        const keep: number[] = [];
        const cand: number[] = [];
        for (let i = 0; i < count; i++) {
          const conf = sigmoid(data[li][base + i * K + 4]);
          if (conf < confThr) continue;
          keep.push(i);
          for (let c = 0; c < C; c++) cand.push(sigmoid(data[li][base + i * K + 5 + c]) * conf);
        }
        const top = topCandidates(Float32Array.from(cand), C, cfg.scoreThr ?? 0.05, cfg.nmsPre ?? 1000);
        for (let j = 0; j < top.scores.length; j++) {
          const i = keep[top.prior[j]];
          const box = decodeYolo(priors.subarray(i * 4, i * 4 + 4), data[li].subarray(base + i * K, base + i * K + 4), level.stride);
          const [ih, iw] = meta.imgShape;
          boxes.push(Math.max(0, Math.min(iw, box[0])), Math.max(0, Math.min(ih, box[1])), Math.max(0, Math.min(iw, box[2])), Math.max(0, Math.min(ih, box[3])));
          scores.push(top.scores[j]);
          labels.push(top.labels[j]);
        }
      });
      let det: DetResult = { bboxes: Float32Array.from(boxes), scores: Float32Array.from(scores), labels: Int32Array.from(labels) };
      const minSize = cfg.minBboxSize ?? 0;
      if (minSize > 0) det = keepWhere(det, (i) => boxes[i * 4 + 2] - boxes[i * 4] > minSize && boxes[i * 4 + 3] - boxes[i * 4 + 1] > minSize);
      if (options.rescale) det = { ...det, bboxes: rescaleBoxes(det.bboxes, meta) };
      return options.withNms === false ? det : nmsDetections(det, cfg);
    });
  }
}

function keepWhere(d: DetResult, keep: (i: number) => boolean): DetResult {
  const idx = [...d.scores.keys()].filter(keep);
  return {
    bboxes: Float32Array.from(idx.flatMap((i) => Array.from(d.bboxes.subarray(i * 4, i * 4 + 4)))),
    scores: Float32Array.from(idx.map((i) => d.scores[i])),
    labels: Int32Array.from(idx.map((i) => d.labels[i])),
  };
}
