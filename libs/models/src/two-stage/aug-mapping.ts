// Test-time augmentation helpers of two-stage detectors (MMDetection bbox_mapping and
// merge_aug_proposals / merge_aug_bboxes).
import { nms } from '../ops/nms';
import { unflipBoxes } from '../detectors/aug-merge';
import { rescaleBoxes } from '../heads/post-process';
import { ImgMeta } from '../detectors/types';
import { Proposals, RpnProposalCfg, checkProposalCfg } from './rpn-proposals';

/** Original-image boxes (any multiple of 4 per row) → one augmentation's frame: scale, then flip. */
export function mapToAug(boxes: Float32Array, meta: ImgMeta): Float32Array {
  const sf = meta.scaleFactor;
  const scaled = Float32Array.from(boxes, (v, i) => v * sf[i % 4]);
  // a flip is its own inverse, so undoing it on the scaled boxes applies it
  return unflipBoxes(scaled, meta);
}

/** One augmentation's boxes → original-image frame: unflip, then divide by scaleFactor. */
export function mapBackFromAug(boxes: Float32Array, meta: ImgMeta): Float32Array {
  return rescaleBoxes(unflipBoxes(boxes, meta), meta);
}

/**
 * Every augmentation's proposals of one image, mapped back to the original frame and
 * concatenated, then one NMS (iouThreshold of `cfg.nms`) and the best maxPerImg by score.
 */
export function mergeAugProposals(perAug: Proposals[], metas: ImgMeta[], cfg: RpnProposalCfg): Proposals {
  const c = checkProposalCfg(cfg, 'testCfg.rpn');
  const total = perAug.reduce((s, p) => s + p.scores.length, 0);
  const boxes = new Float32Array(total * 4);
  const scores = new Float32Array(total);
  let o = 0;
  perAug.forEach((p, a) => {
    boxes.set(mapBackFromAug(p.bboxes, metas[a]), o * 4);
    scores.set(p.scores, o);
    o += p.scores.length;
  });
  let keep = total ? nms(boxes, scores, c.iouThreshold) : new Int32Array(0);
  if (c.maxPerImg > 0 && keep.length > c.maxPerImg) keep = keep.slice(0, c.maxPerImg);
  const out: Proposals = { bboxes: new Float32Array(keep.length * 4), scores: new Float32Array(keep.length) };
  keep.forEach((k, j) => {
    out.bboxes.set(boxes.subarray(k * 4, k * 4 + 4), j * 4);
    out.scores[j] = scores[k];
  });
  return out;
}

/** Element-wise mean of equally long arrays (MMDetection merge_aug_bboxes averages boxes and scores). */
export function meanOf(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays[0].length);
  for (const a of arrays) for (let i = 0; i < a.length; i++) out[i] += a[i];
  for (let i = 0; i < out.length; i++) out[i] /= arrays.length;
  return out;
}
