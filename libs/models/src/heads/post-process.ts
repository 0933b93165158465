import { batchedNms } from '../ops/nms';
import { DetResult, ImgMeta } from '../detectors/types';
import { DenseTestCfg, GetBboxesOptions } from './dense-head';

/** Scored (prior, class) pairs picked from one level. */
export interface Candidates {
  prior: Int32Array;
  labels: Int32Array;
  scores: Float32Array;
}

/**
 * MMDetection's filter_scores_and_topk: (prior, class) pairs with score > scoreThr, the best
 * `nmsPre` of them (all when nmsPre ≤ 0), highest first (ties: lower index first).
 */
export function topCandidates(scores: Float32Array, numClasses: number, scoreThr: number, nmsPre: number): Candidates {
  const keep: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i] > scoreThr) keep.push(i);
  keep.sort((a, b) => scores[b] - scores[a] || a - b);
  const n = nmsPre > 0 ? Math.min(nmsPre, keep.length) : keep.length;
  const out: Candidates = { prior: new Int32Array(n), labels: new Int32Array(n), scores: new Float32Array(n) };
  for (let j = 0; j < n; j++) {
    const k = keep[j];
    out.prior[j] = Math.floor(k / numClasses);
    out.labels[j] = k % numClasses;
    out.scores[j] = scores[k];
  }
  return out;
}

/** Concatenates per-level candidates' boxes, scores and labels. */
export function mergeLevels(levels: DetResult[]): DetResult {
  const total = levels.reduce((s, l) => s + l.scores.length, 0);
  const out: DetResult = { bboxes: new Float32Array(total * 4), scores: new Float32Array(total), labels: new Int32Array(total) };
  let o = 0;
  for (const l of levels) {
    out.bboxes.set(l.bboxes, o * 4);
    out.scores.set(l.scores, o);
    out.labels.set(l.labels, o);
    o += l.scores.length;
  }
  return out;
}

export function selectDetections(d: DetResult, idx: ArrayLike<number>): DetResult {
  const out: DetResult = { bboxes: new Float32Array(idx.length * 4), scores: new Float32Array(idx.length), labels: new Int32Array(idx.length) };
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j];
    out.bboxes.set(d.bboxes.subarray(i * 4, i * 4 + 4), j * 4);
    out.scores[j] = d.scores[i];
    out.labels[j] = d.labels[i];
  }
  return out;
}

/** Divides boxes by the meta's scaleFactor: network-input frame → original image frame. */
export function rescaleBoxes(boxes: Float32Array, meta: ImgMeta): Float32Array {
  const sf = meta.scaleFactor;
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i++) out[i] = boxes[i] / sf[i % 4];
  return out;
}

/** Batched (per-class) NMS, then the best maxPerImg. */
export function nmsDetections(d: DetResult, cfg: DenseTestCfg): DetResult {
  if (d.scores.length === 0) return d;
  const iou = cfg.nms?.iouThreshold ?? 0.5;
  let keep = batchedNms(d.bboxes, d.scores, d.labels, iou);
  const maxPerImg = cfg.maxPerImg ?? 100;
  if (maxPerImg > 0 && keep.length > maxPerImg) keep = keep.slice(0, maxPerImg);
  return selectDetections(d, keep);
}

/** The shared tail of dense-head post-processing: size filter, rescale, NMS. */
export function finishDetections(d: DetResult, meta: ImgMeta, cfg: DenseTestCfg, options: GetBboxesOptions): DetResult {
  let out = d;
  const minSize = cfg.minBboxSize ?? 0;
  if (minSize > 0) {
    const idx: number[] = [];
    for (let i = 0; i < d.scores.length; i++) {
      const b = d.bboxes;
      if (b[i * 4 + 2] - b[i * 4] > minSize && b[i * 4 + 3] - b[i * 4 + 1] > minSize) idx.push(i);
    }
    out = selectDetections(d, idx);
  }
  if (options.rescale) out = { ...out, bboxes: rescaleBoxes(out.bboxes, meta) };
  return options.withNms === false ? out : nmsDetections(out, cfg);
}
