// bboxOverlaps on host arrays, for the CPU-side consumers (assigners) where [n,m] tensor
// intermediates would cost more than the arithmetic. Every step is rounded to float32 in the
// order MMDetection's float32 torch code uses, so results equal the tensor version.
import { DetError } from '@det/registry';
import type { OverlapMode } from './iou';

const f32 = Math.fround;

/**
 * Overlaps of `a` (n boxes, flat x1,y1,x2,y2) with `b` (m boxes): [n*m] row-major, or [n] when
 * isAligned. mode 'iou' | 'iof' (over a's area) | 'giou'; union / enclosing area ≥ eps.
 */
export function bboxOverlapsTyped(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: { mode?: OverlapMode; isAligned?: boolean; eps?: number } = {},
): Float32Array {
  const { mode = 'iou', isAligned = false, eps = 1e-6 } = options;
  if (a.length % 4 !== 0 || b.length % 4 !== 0) {
    throw new DetError(`bboxOverlapsTyped: boxes need 4 numbers each, got ${a.length} and ${b.length} numbers`);
  }
  const n = a.length / 4;
  const m = b.length / 4;
  if (isAligned && n !== m) throw new DetError(`bboxOverlapsTyped: isAligned needs as many boxes in a (${n}) as in b (${m})`);
  const eps32 = f32(eps);
  const areaB = new Float32Array(m);
  for (let j = 0; j < m; j++) areaB[j] = f32(f32(b[j * 4 + 2] - b[j * 4]) * f32(b[j * 4 + 3] - b[j * 4 + 1]));
  const out = new Float32Array(isAligned ? n : n * m);
  for (let i = 0; i < n; i++) {
    const ax1 = a[i * 4], ay1 = a[i * 4 + 1], ax2 = a[i * 4 + 2], ay2 = a[i * 4 + 3];
    const areaA = f32(f32(ax2 - ax1) * f32(ay2 - ay1));
    const jStart = isAligned ? i : 0;
    const jEnd = isAligned ? i + 1 : m;
    for (let j = jStart; j < jEnd; j++) {
      const bx1 = b[j * 4], by1 = b[j * 4 + 1], bx2 = b[j * 4 + 2], by2 = b[j * 4 + 3];
      const w = Math.max(f32(Math.min(ax2, bx2) - Math.max(ax1, bx1)), 0);
      const h = Math.max(f32(Math.min(ay2, by2) - Math.max(ay1, by1)), 0);
      const overlap = f32(w * h);
      const union = Math.max(mode === 'iof' ? areaA : f32(f32(areaA + areaB[j]) - overlap), eps32);
      let value = f32(overlap / union);
      if (mode === 'giou') {
        const cw = Math.max(f32(Math.max(ax2, bx2) - Math.min(ax1, bx1)), 0);
        const ch = Math.max(f32(Math.max(ay2, by2) - Math.min(ay1, by1)), 0);
        const enclose = Math.max(f32(cw * ch), eps32);
        value = f32(value - f32(f32(enclose - union) / enclose));
      }
      out[isAligned ? i : i * m + j] = value;
    }
  }
  return out;
}
