import { cocoBoxIou } from './box-iou';
import { CategoryRecords, IGNORED, MATCHED } from './category-records';
import type { PreparedCoco } from './prepare';
import type { CocoEvalParams } from './types';

/**
 * pycocotools' computeIoU + evaluateImg for one cell (image × category), all area ranges and IoU
 * thresholds at once, appending the cell's detections to the category's records. Scratch
 * buffers are sized once for the largest cell.
 */
export class CellMatcher {
  private readonly maxDet: number;
  private readonly dets: Int32Array;
  private readonly ious: Float64Array;
  private readonly gtIgnore: Uint8Array;
  private readonly gtOrder: Int32Array;
  private readonly orderedIgnore: Uint8Array;
  private readonly orderedCrowd: Uint8Array;
  private readonly orderedIdNonZero: Uint8Array;
  private readonly taken: Uint8Array;
  private readonly thresholds: Float64Array;

  constructor(private readonly data: PreparedCoco, private readonly p: CocoEvalParams) {
    this.maxDet = p.maxDets[p.maxDets.length - 1];
    const maxG = data.gtCells.maxCount;
    const maxD = Math.min(data.detCells.maxCount, this.maxDet);
    this.dets = new Int32Array(data.detCells.maxCount);
    this.ious = new Float64Array(maxD * maxG);
    this.gtIgnore = new Uint8Array(maxG);
    this.gtOrder = new Int32Array(maxG);
    this.orderedIgnore = new Uint8Array(maxG);
    this.orderedCrowd = new Uint8Array(maxG);
    this.orderedIdNonZero = new Uint8Array(maxG);
    this.taken = new Uint8Array(maxG);
    // A perfect overlap must still pass the top threshold despite rounding.
    this.thresholds = Float64Array.from(p.iouThrs, (t) => Math.min(t, 1 - 1e-10));
  }

  /** Upper bound of the detections a category keeps: each image's count capped at maxDets[-1]. */
  keptDetections(cell: number): number {
    const { start } = this.data.detCells;
    return Math.min(start[cell + 1] - start[cell], this.maxDet);
  }

  evaluate(cell: number, rec: CategoryRecords): void {
    const { data } = this;
    const g0 = data.gtCells.start[cell];
    const G = data.gtCells.start[cell + 1] - g0;
    const gts = data.gtCells.items.subarray(g0, g0 + G);
    const D = this.sortCellDetections(cell);
    if (D === 0 && G === 0) return; // pycocotools' evaluateImg returns None
    cocoBoxIou(data.detBoxes, this.dets, D, data.gtBoxes, gts, G, data.gtCrowd, this.ious);

    const base = rec.count;
    for (let d = 0; d < D; d++) {
      rec.scores[base + d] = data.detScore[this.dets[d]];
      rec.rank[base + d] = d;
    }
    for (let a = 0; a < this.p.areaRng.length; a++) {
      const [lo, hi] = this.p.areaRng[a];
      const kept = this.orderGts(gts, G, lo, hi);
      rec.npig[a] += kept;
      for (let t = 0; t < this.thresholds.length; t++) {
        this.matchAtThreshold(D, G, this.thresholds[t], rec.flags, rec.flagOffset(a, t) + base, lo, hi);
      }
    }
    rec.count += D;
  }

  /** Cell detections sorted by score, highest first, stable (mergesort); returns the count kept. */
  private sortCellDetections(cell: number): number {
    const { start, items } = this.data.detCells;
    const n = start[cell + 1] - start[cell];
    const dets = this.dets;
    const score = this.data.detScore;
    for (let j = 0; j < n; j++) {
      // Insertion sort: cells are small, and moving only past strictly lower scores keeps it stable.
      const e = items[start[cell] + j];
      const s = score[e];
      let i = j;
      while (i > 0 && score[dets[i - 1]] < s) {
        dets[i] = dets[i - 1];
        i--;
      }
      dets[i] = e;
    }
    return Math.min(n, this.maxDet);
  }

  /** GT order for one area range: non-ignored first (stable). Returns the non-ignored count. */
  private orderGts(gts: Int32Array, G: number, lo: number, hi: number): number {
    const { gtArea, gtCrowd, gtIdNonZero } = this.data;
    let kept = 0;
    for (let g = 0; g < G; g++) {
      const e = gts[g];
      const ignore = gtCrowd[e] === 1 || gtArea[e] < lo || gtArea[e] > hi ? 1 : 0;
      this.gtIgnore[g] = ignore;
      if (!ignore) kept++;
    }
    let front = 0, back = kept;
    for (let g = 0; g < G; g++) {
      const slot = this.gtIgnore[g] ? back++ : front++;
      const e = gts[g];
      this.gtOrder[slot] = g;
      this.orderedIgnore[slot] = this.gtIgnore[g];
      this.orderedCrowd[slot] = gtCrowd[e];
      this.orderedIdNonZero[slot] = gtIdNonZero[e];
    }
    return kept;
  }

  /** Greedy matching of pycocotools' evaluateImg at one IoU threshold. */
  private matchAtThreshold(D: number, G: number, thr: number, flags: Uint8Array, out: number, lo: number, hi: number): void {
    const { ious, gtOrder, orderedIgnore, orderedCrowd, orderedIdNonZero, taken } = this;
    taken.fill(0, 0, G);
    for (let d = 0; d < D; d++) {
      let best = thr;
      let m = -1;
      const row = d * G;
      for (let s = 0; s < G; s++) {
        if (taken[s] && !orderedCrowd[s]) continue;
        // Once matched to a regular GT, never move to an ignored one.
        if (m > -1 && orderedIgnore[m] === 0 && orderedIgnore[s] === 1) break;
        const iou = ious[row + gtOrder[s]];
        if (iou < best) continue;
        best = iou;
        m = s;
      }
      let flag = 0;
      if (m > -1) {
        flag = (orderedIdNonZero[m] ? MATCHED : 0) | (orderedIgnore[m] ? IGNORED : 0);
        taken[m] = 1;
      }
      if (!(flag & MATCHED)) {
        // Unmatched detections outside the area range are ignored.
        const area = this.data.detArea[this.dets[d]];
        if (area < lo || area > hi) flag |= IGNORED;
      }
      flags[out + d] = flag;
    }
  }
}
