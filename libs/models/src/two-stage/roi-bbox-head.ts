import * as tf from '@tensorflow/tfjs-core';
import { BBOX_CODERS, ComponentConfig, DetError, LOSSES } from '@det/registry';
import { Module } from '../nn';
import { LossModule } from '../heads/anchor-head';
import { checkNumClasses } from '../heads/head-utils';
import { DetResult, ImgMeta } from '../detectors/types';
import { rescaleBoxes } from '../heads/post-process';
import { type DecodingCoder, pickedBoxes } from '../heads/picked-boxes';
import { readAndDispose } from '../heads/read-back';
import { RoiTargets } from './bbox-targets';
import { gatherRowsWithGrad } from '../heads/head-utils';
import { RcnnTestCfg, multiclassNms } from './multiclass-nms';

interface BoxCoder extends DecodingCoder {
  encode(bboxes: tf.Tensor2D, gt: tf.Tensor2D): tf.Tensor2D;
}

export interface RoIBBoxHeadOptions {
  numClasses: number;
  regClassAgnostic?: boolean;
  bboxCoder?: ComponentConfig;
  lossCls?: ComponentConfig;
  lossBbox?: ComponentConfig;
  /** Regress decoded boxes (IoU-type losses) instead of deltas. */
  regDecodedBbox?: boolean;
  initCfg?: unknown;
}

/** Raw outputs for k RoIs: class logits [k, C+1] (background last) and deltas [k, 4] or [k, 4·C]. */
export interface RoIBBoxOutputs {
  clsScore: tf.Tensor2D;
  bboxPred: tf.Tensor2D;
}

/** Decoded boxes and softmax scores of one image's RoIs, before NMS (for test-time augmentation). */
export interface RawRoiDetections {
  /** n×4·C (or n×4 class-agnostic). */
  bboxes: Float32Array<ArrayBufferLike>;
  /** n×(C+1). */
  scores: Float32Array;
}

/**
 * The shared half of MMDetection's BBoxHead: losses (softmax CE + box regression of the
 * positives' own class, `acc` in percent) and post-processing (softmax, decode, multiclass NMS).
 * Subclasses supply the layers in `forward`. A plugin's bbox head can extend this class.
 */
export abstract class RoIBBoxHead extends Module {
  readonly numClasses: number;
  readonly regClassAgnostic: boolean;
  readonly regDecodedBbox: boolean;
  readonly bboxCoder: BoxCoder;
  readonly lossCls: LossModule;
  readonly lossBbox: LossModule;

  constructor(options: RoIBBoxHeadOptions) {
    super();
    const where = new.target.name;
    this.numClasses = checkNumClasses(options?.numClasses, where);
    this.regClassAgnostic = options.regClassAgnostic ?? false;
    this.regDecodedBbox = options.regDecodedBbox ?? false;
    this.bboxCoder = BBOX_CODERS.build(
      options.bboxCoder ?? { type: 'DeltaXYWHBBoxCoder', targetMeans: [0, 0, 0, 0], targetStds: [0.1, 0.1, 0.2, 0.2] },
      { keyPath: `${where}.bboxCoder` },
    ) as BoxCoder;
    const lossClsCfg = options.lossCls ?? { type: 'CrossEntropyLoss', useSigmoid: false, lossWeight: 1 };
    if (lossClsCfg.useSigmoid) throw new DetError(`${where}.lossCls: RoI heads score classes with a softmax (useSigmoid: false)`);
    this.lossCls = LOSSES.build(lossClsCfg, { keyPath: `${where}.lossCls` }) as LossModule;
    this.lossBbox = LOSSES.build(options.lossBbox ?? { type: 'L1Loss', lossWeight: 1 }, { keyPath: `${where}.lossBbox` }) as LossModule;
  }

  /** Pooled RoI features [k, ph, pw, C] → logits and deltas. */
  abstract forward(roiFeats: tf.Tensor4D): RoIBBoxOutputs;

  /** loss_cls, loss_bbox and acc for the RoIs the targets describe (rows in the same order as the outputs). */
  loss(outs: RoIBBoxOutputs, targets: RoiTargets): Record<string, tf.Scalar> {
    const n = targets.labels.length;
    if (outs.clsScore.shape[0] !== n) throw new DetError(`${this.constructor.name}.loss: ${outs.clsScore.shape[0]} RoI outputs for ${n} targets`);
    return tf.tidy(() => {
      const labels = tf.tensor1d(targets.labels, 'int32');
      const weights = tf.tensor1d(targets.labelWeights);
      let numWeighted = 0;
      for (const w of targets.labelWeights) if (w > 0) numWeighted++;
      const lossCls = this.lossCls.forward(outs.clsScore, labels, { weight: weights, avgFactor: Math.max(numWeighted, 1) }) as tf.Scalar;
      const acc = tf.mul(tf.mean(tf.cast(tf.equal(tf.argMax(outs.clsScore, 1), labels), 'float32')), 100) as tf.Scalar;
      const numPos = targets.posRows.length;
      let lossBbox: tf.Tensor;
      if (numPos === 0) {
        // keeps the regression branch in the graph (MMDetection sums the empty selection)
        lossBbox = tf.mul(tf.sum(outs.bboxPred), 0);
      } else {
        const posPred = this.positivePredictions(outs.bboxPred, targets);
        const posBboxes = tf.tensor2d(targets.posBboxes, [numPos, 4]);
        const posGt = tf.tensor2d(targets.posGtBboxes, [numPos, 4]);
        const target = this.regDecodedBbox ? posGt : this.bboxCoder.encode(posBboxes, posGt);
        const pred = this.regDecodedBbox ? this.bboxCoder.decode(posBboxes, posPred) : posPred;
        // MMDetection averages over every sampled RoI (bbox_targets.size(0)), not the positives
        lossBbox = this.lossBbox.forward(pred, target, { avgFactor: n });
      }
      return { loss_cls: lossCls, loss_bbox: lossBbox as tf.Scalar, acc };
    });
  }

  /** Deltas of each positive for its own gt class ([numPos, 4]). */
  private positivePredictions(bboxPred: tf.Tensor2D, targets: RoiTargets): tf.Tensor2D {
    const rows = targets.posRows;
    if (this.regClassAgnostic) return gatherRowsWithGrad(bboxPred, rows);
    const C = this.numClasses;
    const flatRows = Int32Array.from(rows, (r) => r * C + targets.labels[r]);
    return gatherRowsWithGrad(tf.reshape(bboxPred, [-1, 4]) as tf.Tensor2D, flatRows);
  }

  /**
   * Softmax scores and decoded boxes of one image's RoIs (k×5 rows of that image), clipped to
   * imgShape. Read back with `await data()` (webgpu has no synchronous reads).
   */
  async rawDetections(rois: Float32Array, outs: RoIBBoxOutputs, meta: ImgMeta, rescale: boolean): Promise<RawRoiDetections> {
    const k = rois.length / 5;
    const scores = tf.softmax(outs.clsScore);
    // the deltas decoded on the host where the coder can (pickedBoxes); clone: pickedBoxes consumes its input
    const picked = k === 0 ? undefined : pickedBoxes(this.bboxCoder, roiBoxes(rois), 4, tf.clone(outs.bboxPred), meta.imgShape.slice(0, 2));
    const [values, s] = await Promise.all([picked ? readAndDispose(picked.read) : new Float32Array(0), readAndDispose(scores)]);
    const out: RawRoiDetections = { bboxes: picked ? picked.boxes(values) : values, scores: s };
    if (rescale) out.bboxes = rescaleBoxes(out.bboxes, meta);
    return out;
  }

  /** Detections of one image: softmax, decode, optional rescale to the original frame, multiclass NMS. */
  async getBboxes(rois: Float32Array, outs: RoIBBoxOutputs, meta: ImgMeta, rescale: boolean, cfg: RcnnTestCfg): Promise<DetResult> {
    const raw = await this.rawDetections(rois, outs, meta, rescale);
    return multiclassNms(raw.bboxes, raw.scores, this.numClasses, cfg);
  }
}

/** The x1y1x2y2 columns of k×5 rois (batch index dropped), on the host. */
function roiBoxes(rois: Float32Array): Float32Array {
  const k = rois.length / 5;
  const out = new Float32Array(k * 4);
  for (let r = 0; r < k; r++) out.set(rois.subarray(r * 5 + 1, r * 5 + 5), r * 4);
  return out;
}
