// Greedy non-maximum suppression on typed arrays (torchvision.ops.nms / batched_nms semantics).
import { DetError } from '@det/registry';
import { NumericInput, readBoxes, readNumbers } from './box-data';

/**
 * Indices of `scores` sorted by decreasing score; equal scores keep input order (lower index
 * first), which makes NMS deterministic where torchvision's unstable sort is not.
 */
export function argsortDescending(scores: ArrayLike<number>): Int32Array {
  const order = new Int32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  // Typed-array sort is not guaranteed stable, so break ties on the index explicitly.
  order.sort((i, j) => scores[j] - scores[i] || i - j);
  return order;
}

/**
 * Greedy NMS over the candidates `order` (already sorted best first). A box is suppressed by a
 * kept box when IoU > iouThreshold (strict), IoU = inter / (areaA + areaB - inter), no +1.
 * The still-alive candidates are kept compacted in one list, so each kept box scans only
 * survivors; pairs that do not overlap skip the division.
 */
function greedyNms(boxes: ArrayLike<number>, order: Int32Array, iouThreshold: number): Int32Array {
  const n = order.length;
  // Copy coordinates into sorted order once so the inner loop walks memory linearly.
  const x1 = new Float64Array(n);
  const y1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const y2 = new Float64Array(n);
  const area = new Float64Array(n);
  const alive = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const o = order[r] * 4;
    x1[r] = boxes[o];
    y1[r] = boxes[o + 1];
    x2[r] = boxes[o + 2];
    y2[r] = boxes[o + 3];
    area[r] = (x2[r] - x1[r]) * (y2[r] - y1[r]);
    alive[r] = r;
  }
  const keep = new Int32Array(n);
  let kept = 0;
  let count = n;
  // alive[0..count) are the survivors in score order; alive[head] is the best one left.
  for (let head = 0; head < count; head++) {
    const r = alive[head];
    keep[kept++] = order[r];
    const ax1 = x1[r], ay1 = y1[r], ax2 = x2[r], ay2 = y2[r], aArea = area[r];
    let write = head + 1;
    for (let p = head + 1; p < count; p++) {
      const s = alive[p];
      const w = Math.min(ax2, x2[s]) - Math.max(ax1, x1[s]);
      const h = Math.min(ay2, y2[s]) - Math.max(ay1, y1[s]);
      // No overlap means IoU 0, which never exceeds a threshold >= 0.
      if (w > 0 && h > 0) {
        const inter = w * h;
        if (inter / (aArea + area[s] - inter) > iouThreshold) continue;
      }
      alive[write++] = s;
    }
    count = write;
  }
  return keep.slice(0, kept);
}

function checkInputs(nBoxes: number, nScores: number, iouThreshold: number, op: string): void {
  if (nBoxes !== nScores) throw new DetError(`${op}: ${nBoxes} boxes but ${nScores} scores`);
  if (!Number.isFinite(iouThreshold)) throw new DetError(`${op}: iouThreshold must be a number, got ${iouThreshold}`);
}

/**
 * torchvision `nms(boxes, scores, iouThreshold)`: indices of the kept boxes, by decreasing score
 * (ties: lower index first). Inputs are read once; accepts tensors or plain arrays.
 */
export function nms(boxes: NumericInput | number[][], scores: NumericInput, iouThreshold: number): Int32Array {
  const b = readBoxes(boxes, 'nms');
  const s = readNumbers(scores);
  checkInputs(b.length / 4, s.length, iouThreshold, 'nms');
  if (iouThreshold < 0) throw new DetError(`nms: iouThreshold must be >= 0, got ${iouThreshold}`);
  return greedyNms(b, argsortDescending(s), iouThreshold);
}

/**
 * torchvision `batched_nms`: NMS independently within each label; kept indices of all labels
 * together, by decreasing score (ties: lower index first). Done by restricting suppression to
 * equal labels, which equals the per-class loop exactly (no coordinate-offset rounding).
 */
export function batchedNms(
  boxes: NumericInput | number[][],
  scores: NumericInput,
  labels: NumericInput,
  iouThreshold: number,
): Int32Array {
  const b = readBoxes(boxes, 'batchedNms');
  const s = readNumbers(scores);
  const l = readNumbers(labels);
  checkInputs(b.length / 4, s.length, iouThreshold, 'batchedNms');
  if (l.length !== s.length) throw new DetError(`batchedNms: ${s.length} scores but ${l.length} labels`);
  if (iouThreshold < 0) throw new DetError(`batchedNms: iouThreshold must be >= 0, got ${iouThreshold}`);
  const order = argsortDescending(s);
  // Run each label's candidates separately (keeps the O(n²) worst case per class), then merge.
  const byLabel = new Map<number, number[]>();
  for (const i of order) {
    const list = byLabel.get(l[i]);
    if (list) list.push(i);
    else byLabel.set(l[i], [i]);
  }
  if (byLabel.size <= 1) return greedyNms(b, order, iouThreshold);
  const keptFlags = new Uint8Array(s.length);
  for (const members of byLabel.values()) {
    for (const i of greedyNms(b, Int32Array.from(members), iouThreshold)) keptFlags[i] = 1;
  }
  const out: number[] = [];
  for (const i of order) if (keptFlags[i]) out.push(i);
  return Int32Array.from(out);
}
