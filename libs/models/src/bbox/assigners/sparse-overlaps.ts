// The IoU reductions MaxIoUAssigner needs, without the dense [numGts, numBoxes] matrix: an anchor
// head has ~2·10⁵ candidates per image and a gt meets only a few percent of them, so the pairs
// that do not intersect (IoU exactly 0) are skipped and the rest kept per gt.

const f32 = Math.fround;
const EPS32 = f32(1e-6);

/** IoU reductions of gts [g] × candidates [n] (both flat x1,y1,x2,y2). */
export interface SparseOverlaps {
  /** Per candidate: its best IoU over the gts. */
  maxOverlaps: Float32Array;
  /** Per candidate: the first gt reaching that IoU (torch.max's tie rule). */
  argmax: Int32Array;
  /** Per gt: its best IoU over the candidates. */
  gtMax: Float32Array;
  /** Per gt: the candidates whose boxes intersect it (ascending), and their IoUs; all others have IoU 0. */
  hits: { index: number[]; iou: number[] }[];
}

/**
 * The values of bboxOverlapsTyped(gts, candidates) ('iou' mode, eps 1e-6), reduced on the fly:
 * every float32 rounding happens as there, and a pair whose boxes do not intersect gets the 0
 * that formula gives it (zero width or height → zero overlap → 0 / union).
 */
export function sparseOverlaps(gts: ArrayLike<number>, boxes: ArrayLike<number>): SparseOverlaps {
  const g = gts.length / 4;
  const n = boxes.length / 4;
  const maxOverlaps = new Float32Array(n);
  const argmax = new Int32Array(n); // gts in order, replaced only by a strictly larger IoU: first on ties
  const gtMax = new Float32Array(g); // 0 until a hit beats it: non-hits are IoU 0 and n > 0
  const hits: SparseOverlaps['hits'] = [];
  for (let k = 0; k < g; k++) {
    const gx1 = gts[k * 4], gy1 = gts[k * 4 + 1], gx2 = gts[k * 4 + 2], gy2 = gts[k * 4 + 3];
    const areaGt = f32(f32(gx2 - gx1) * f32(gy2 - gy1));
    const index: number[] = [];
    const ious: number[] = [];
    let best = 0;
    for (let j = 0; j < n; j++) {
      // no intersection: the formula's width or height is max(≤ 0, 0) = 0, so IoU 0 (the exact
      // difference of float32 values is positive iff its float32 rounding is)
      const right = Math.min(gx2, boxes[j * 4 + 2]), left = Math.max(gx1, boxes[j * 4]);
      if (!(right > left)) continue;
      const bottom = Math.min(gy2, boxes[j * 4 + 3]), top = Math.max(gy1, boxes[j * 4 + 1]);
      if (!(bottom > top)) continue;
      const areaBox = f32(f32(boxes[j * 4 + 2] - boxes[j * 4]) * f32(boxes[j * 4 + 3] - boxes[j * 4 + 1]));
      const overlap = f32(f32(right - left) * f32(bottom - top));
      const iou = f32(overlap / Math.max(f32(f32(areaGt + areaBox) - overlap), EPS32));
      index.push(j);
      ious.push(iou);
      if (iou > maxOverlaps[j]) {
        maxOverlaps[j] = iou;
        argmax[j] = k;
      }
      if (iou > best) best = iou;
    }
    gtMax[k] = best;
    hits.push({ index, iou: ious });
  }
  return { maxOverlaps, argmax, gtMax, hits };
}
