// MMDetection 2.x multiclass_nms: score threshold per (box, class), class-aware NMS, top maxNum.
import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';
import { batchedNms, nms } from './nms';

export interface MulticlassNmsOptions {
  iouThreshold: number;
  /** Keep at most this many detections (≤ 0: all). */
  maxNum?: number;
  /** Per-box factors [n] multiplied into every class score first (e.g. FCOS centerness). */
  scoreFactors?: tf.Tensor | ArrayLike<number>;
  /** One NMS over all classes instead of one per class. */
  classAgnostic?: boolean;
}

export interface MulticlassNmsResult {
  /** k*4, x1y1x2y2, by decreasing score. */
  bboxes: Float32Array;
  scores: Float32Array;
  labels: Int32Array;
  /** Index of each detection in the flattened [n, C] (box, class) candidates. */
  inds: Int32Array;
}

/**
 * `multiBboxes` [n,4] (shared by all classes) or [n, 4·C]; `multiScores` [n, C+1] whose last
 * column is background. Candidates with score > scoreThr go through class-aware NMS.
 */
export function multiclassNms(
  multiBboxes: tf.Tensor2D,
  multiScores: tf.Tensor2D,
  scoreThr: number,
  options: MulticlassNmsOptions,
): MulticlassNmsResult {
  const n = multiScores.shape[0];
  const numClasses = multiScores.shape[1] - 1;
  const boxCols = multiBboxes.shape[1];
  if (multiBboxes.shape[0] !== n || (boxCols !== 4 && boxCols !== 4 * numClasses)) {
    throw new DetError(
      `multiclassNms: boxes [${multiBboxes.shape.join(',')}] do not fit scores [${multiScores.shape.join(',')}] ` +
        `(expected [${n},4] or [${n},${4 * numClasses}]; the last score column is background)`,
    );
  }
  const boxes = multiBboxes.dataSync();
  const scores = multiScores.dataSync();
  const factors = options.scoreFactors instanceof tf.Tensor ? options.scoreFactors.dataSync() : options.scoreFactors;
  if (factors && factors.length !== n) throw new DetError(`multiclassNms: ${factors.length} score factors for ${n} boxes`);

  // Candidates in (box, class) row-major order, as MMDetection's flatten + nonzero gives them.
  const candBoxes: number[] = [];
  const candScores: number[] = [];
  const candLabels: number[] = [];
  const candInds: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < numClasses; c++) {
      // float32 product, as torch multiplies float32 tensors.
      const s = factors ? Math.fround(scores[i * (numClasses + 1) + c] * factors[i]) : scores[i * (numClasses + 1) + c];
      if (!(s > scoreThr)) continue;
      const o = boxCols === 4 ? i * 4 : i * boxCols + c * 4;
      candBoxes.push(boxes[o], boxes[o + 1], boxes[o + 2], boxes[o + 3]);
      candScores.push(s);
      candLabels.push(c);
      candInds.push(i * numClasses + c);
    }
  }
  let keep = options.classAgnostic
    ? nms(candBoxes, candScores, options.iouThreshold)
    : batchedNms(candBoxes, candScores, candLabels, options.iouThreshold);
  if (options.maxNum !== undefined && options.maxNum > 0) keep = keep.slice(0, options.maxNum);
  const result: MulticlassNmsResult = {
    bboxes: new Float32Array(keep.length * 4),
    scores: new Float32Array(keep.length),
    labels: new Int32Array(keep.length),
    inds: new Int32Array(keep.length),
  };
  keep.forEach((k, j) => {
    result.bboxes.set(candBoxes.slice(k * 4, k * 4 + 4), j * 4);
    result.scores[j] = candScores[k];
    result.labels[j] = candLabels[k];
    result.inds[j] = candInds[k];
  });
  return result;
}
