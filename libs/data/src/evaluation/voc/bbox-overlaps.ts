/**
 * IoU of boxes in x1y1x2y2 (MMDetection's numpy `bbox_overlaps`, mode 'iou'). With
 * `legacy` (the VOC devkit's pixel convention) widths and heights are `x2 - x1 + 1`.
 * `a` holds rows (stride `strideA`, first 4 entries the box), `b` columns (stride 4).
 * Writes `out[i * nb + j]`.
 */
export function bboxOverlaps(
  a: ArrayLike<number>, na: number, strideA: number, b: ArrayLike<number>, nb: number, legacy: boolean, out: Float64Array,
): void {
  const extra = legacy ? 1 : 0;
  for (let i = 0; i < na; i++) {
    const o = i * strideA;
    const ax1 = a[o], ay1 = a[o + 1], ax2 = a[o + 2], ay2 = a[o + 3];
    const areaA = (ax2 - ax1 + extra) * (ay2 - ay1 + extra);
    for (let j = 0; j < nb; j++) {
      const bx1 = b[4 * j], by1 = b[4 * j + 1], bx2 = b[4 * j + 2], by2 = b[4 * j + 3];
      const areaB = (bx2 - bx1 + extra) * (by2 - by1 + extra);
      const w = Math.max(Math.min(ax2, bx2) - Math.max(ax1, bx1) + extra, 0);
      const h = Math.max(Math.min(ay2, by2) - Math.max(ay1, by1) + extra, 0);
      const overlap = w * h;
      // MMDetection clamps the union at 1e-6 so degenerate boxes give 0, not NaN.
      out[i * nb + j] = overlap / Math.max(areaA + areaB - overlap, 1e-6);
    }
  }
}
