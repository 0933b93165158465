import { searchSortedLeft } from '../common/numpy-compat';
import { CategoryRecords, IGNORED, MATCHED } from './category-records';
import type { CocoEvalParams } from './types';

/** np.spacing(1): keeps precision defined when a prefix holds only ignored detections. */
const EPS = 2.220446049250313e-16;

/** Scratch for the per-threshold curves, reused across categories. */
export class CurveScratch {
  rc = new Float64Array(0);
  pr = new Float64Array(0);
  ensure(n: number): void {
    if (this.rc.length < n) {
      this.rc = new Float64Array(n);
      this.pr = new Float64Array(n);
    }
  }
}

/** Stable order of a category's detections by score, highest first (np.argsort(-s, 'mergesort')). */
function scoreOrder(rec: CategoryRecords): Int32Array {
  const order = new Int32Array(rec.count);
  for (let j = 0; j < rec.count; j++) order[j] = j;
  const s = rec.scores;
  return order.sort((x, y) => s[y] - s[x] || x - y);
}

/**
 * pycocotools' accumulate for category slot `k`: fills precision[:, :, k, :, :] and
 * recall[:, k, :, :]. Entries stay -1 when the area range has no non-ignored GT.
 */
export function accumulateCategory(
  rec: CategoryRecords, k: number, p: CocoEvalParams, K: number,
  precision: Float64Array, recall: Float64Array, scratch: CurveScratch,
): void {
  const T = p.iouThrs.length, R = p.recThrs.length, A = p.areaRng.length, M = p.maxDets.length;
  const order = scoreOrder(rec);
  scratch.ensure(rec.count);
  const { rc, pr } = scratch;
  for (let m = 0; m < M; m++) {
    // The detections within this cap, still in score order (filtering keeps the sort stable).
    const maxDet = p.maxDets[m];
    const kept = order.filter((e) => rec.rank[e] < maxDet);
    const nd = kept.length;
    for (let a = 0; a < A; a++) {
      const npig = rec.npig[a];
      if (npig === 0) continue;
      for (let t = 0; t < T; t++) {
        const flags = rec.flags;
        const off = rec.flagOffset(a, t);
        // Cumulative TP / FP along the score order; ignored detections repeat the previous point.
        let tp = 0, fp = 0;
        for (let j = 0; j < nd; j++) {
          const f = flags[off + kept[j]];
          if (f === MATCHED) tp++;
          else if (!(f & IGNORED)) fp++;
          rc[j] = tp / npig;
          pr[j] = tp / (fp + tp + EPS);
        }
        recall[((t * K + k) * A + a) * M + m] = nd ? rc[nd - 1] : 0;
        // Precision envelope: each point takes the best precision at any higher recall.
        for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
        let r = 0;
        for (; r < R; r++) {
          const pi = searchSortedLeft(rc, nd, p.recThrs[r]);
          if (pi >= nd) break; // pycocotools stops at the first threshold past the curve
          precision[(((t * R + r) * K + k) * A + a) * M + m] = pr[pi];
        }
        for (; r < R; r++) precision[(((t * R + r) * K + k) * A + a) * M + m] = 0;
      }
    }
  }
}
