// MMDetection's multiclass_nms on typed arrays: every (box, class) pair above scoreThr, NMS within
// each class, the best maxPerImg overall.
import { DetError } from '@det/registry';
import { batchedNms } from '../ops/nms';
import { DetResult } from '../detectors/types';

/** MMDetection's test_cfg.rcnn. */
export interface RcnnTestCfg {
  scoreThr?: number;
  nms?: { type?: string; iouThreshold: number };
  maxPerImg?: number;
}

/**
 * `bboxes` n×4·C (class-specific) or n×4 (shared by every class); `scores` n×(C+1) with the
 * background in the last column, which is never detected.
 */
export function multiclassNms(bboxes: Float32Array, scores: Float32Array, numClasses: number, cfg: RcnnTestCfg): DetResult {
  const C = numClasses;
  const n = scores.length / (C + 1);
  const perBox = bboxes.length / Math.max(n, 1);
  if (n > 0 && perBox !== 4 && perBox !== 4 * C) throw new DetError(`multiclassNms: ${bboxes.length / 4} boxes for ${n} rois and ${C} classes`);
  const nmsType = cfg.nms?.type ?? 'nms';
  if (nmsType !== 'nms') throw new DetError(`rcnn test cfg nms.type: only 'nms' is supported, got '${nmsType}'`);
  const scoreThr = cfg.scoreThr ?? 0.05;
  const boxes: number[] = [];
  const s: number[] = [];
  const labels: number[] = [];
  // roi-major, class-minor: the order of MMDetection's flattened candidates
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) {
      const score = scores[i * (C + 1) + c];
      if (!(score > scoreThr)) continue;
      const o = perBox === 4 ? i * 4 : (i * C + c) * 4;
      boxes.push(bboxes[o], bboxes[o + 1], bboxes[o + 2], bboxes[o + 3]);
      s.push(score);
      labels.push(c);
    }
  }
  const empty: DetResult = { bboxes: new Float32Array(0), scores: new Float32Array(0), labels: new Int32Array(0) };
  if (s.length === 0) return empty;
  const b = Float32Array.from(boxes);
  const sc = Float32Array.from(s);
  let keep = batchedNms(b, sc, Int32Array.from(labels), cfg.nms?.iouThreshold ?? 0.5);
  const maxPerImg = cfg.maxPerImg ?? 100;
  if (maxPerImg > 0 && keep.length > maxPerImg) keep = keep.slice(0, maxPerImg);
  const out: DetResult = { bboxes: new Float32Array(keep.length * 4), scores: new Float32Array(keep.length), labels: new Int32Array(keep.length) };
  keep.forEach((k, j) => {
    out.bboxes.set(b.subarray(k * 4, k * 4 + 4), j * 4);
    out.scores[j] = sc[k];
    out.labels[j] = labels[k];
  });
  return out;
}
