// RPN post-processing on typed arrays (MMDetection 2.x RPNHead._get_bboxes_single /
// _bbox_post_process): per-level top-k, then size filter, NMS across levels and a cap.
import { DetError } from '@det/registry';
import { batchedNms } from '../ops/nms';

/** MMDetection's train_cfg.rpn_proposal / test_cfg.rpn. */
export interface RpnProposalCfg {
  /** Candidates kept per level before NMS (by score); ≤ 0 keeps all. */
  nmsPre?: number;
  /** Proposals kept per image after NMS. */
  maxPerImg?: number;
  nms?: { type?: string; iouThreshold: number };
  /** Boxes must be wider and taller than this (MMDetection drops zero-size boxes with 0); < 0 disables. */
  minBboxSize?: number;
  /** MMDetection 1.x name of maxPerImg, accepted for old configs. */
  maxNum?: number;
}

/** Proposals of one image: k boxes (x1y1x2y2, network-input frame) and their objectness. */
export interface Proposals {
  bboxes: Float32Array;
  scores: Float32Array;
}

/** Decoded candidates of one level of one image. */
export interface LevelCandidates {
  bboxes: Float32Array;
  scores: Float32Array;
}

export const emptyProposals = (): Proposals => ({ bboxes: new Float32Array(0), scores: new Float32Array(0) });

export function checkProposalCfg(cfg: RpnProposalCfg | undefined, where: string): Required<Pick<RpnProposalCfg, 'nmsPre' | 'maxPerImg' | 'minBboxSize'>> & { iouThreshold: number } {
  if (!cfg) throw new DetError(`${where}: proposal settings are missing (nmsPre, maxPerImg, nms: { type: 'nms', iouThreshold }, minBboxSize)`);
  const nmsType = cfg.nms?.type ?? 'nms';
  if (nmsType !== 'nms') throw new DetError(`${where}.nms.type: only 'nms' is supported, got '${nmsType}'`);
  const iouThreshold = cfg.nms?.iouThreshold;
  if (typeof iouThreshold !== 'number') throw new DetError(`${where}.nms.iouThreshold must be a number, got ${JSON.stringify(iouThreshold)}`);
  const maxPerImg = cfg.maxPerImg ?? cfg.maxNum ?? 1000;
  return { nmsPre: cfg.nmsPre ?? -1, maxPerImg, minBboxSize: cfg.minBboxSize ?? 0, iouThreshold };
}

/**
 * Concatenates the levels' candidates, drops boxes not larger than minBboxSize, runs NMS within
 * each level (level index as the NMS class, as MMDetection's batched_nms call) and keeps the
 * best maxPerImg, highest score first.
 */
export function finishProposals(levels: LevelCandidates[], cfg: RpnProposalCfg, where = 'rpn'): Proposals {
  const c = checkProposalCfg(cfg, where);
  const boxes: number[] = [];
  const scores: number[] = [];
  const ids: number[] = [];
  levels.forEach((lvl, l) => {
    for (let i = 0; i < lvl.scores.length; i++) {
      const [x1, y1, x2, y2] = lvl.bboxes.subarray(i * 4, i * 4 + 4);
      if (c.minBboxSize >= 0 && !(x2 - x1 > c.minBboxSize && y2 - y1 > c.minBboxSize)) continue;
      boxes.push(x1, y1, x2, y2);
      scores.push(lvl.scores[i]);
      ids.push(l);
    }
  });
  if (scores.length === 0) return emptyProposals();
  const b = Float32Array.from(boxes);
  const s = Float32Array.from(scores);
  let keep = batchedNms(b, s, Int32Array.from(ids), c.iouThreshold);
  if (c.maxPerImg > 0 && keep.length > c.maxPerImg) keep = keep.slice(0, c.maxPerImg);
  const out: Proposals = { bboxes: new Float32Array(keep.length * 4), scores: new Float32Array(keep.length) };
  keep.forEach((k, j) => {
    out.bboxes.set(b.subarray(k * 4, k * 4 + 4), j * 4);
    out.scores[j] = s[k];
  });
  return out;
}
