// Box overlap measures on xyxy boxes (no +1 pixel convention, as torchvision and MMDetection 2.x).
import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';

export type OverlapMode = 'iou' | 'iof' | 'giou';

export interface BboxOverlapsOptions {
  /** 'iou' (default), 'iof' (intersection over the area of `a`), 'giou'. */
  mode?: OverlapMode;
  /** Pairs row i of `a` with row i of `b` ([n] result) instead of all pairs ([n,m]). */
  isAligned?: boolean;
  /** Lower bound of the union (and of the enclosing area for giou); MMDetection's default 1e-6. */
  eps?: number;
}

function checkBoxes(t: tf.Tensor, name: string, op: string): void {
  if (t.rank !== 2 || t.shape[1] !== 4) {
    throw new DetError(`${op}: '${name}' must have shape [n,4] (x1,y1,x2,y2), got [${t.shape.join(',')}]`);
  }
}

/** Columns of an [n,4] tensor; as [n,1] (rows) or [1,n] (cols) so pairs broadcast to [n,m]. */
function columns(t: tf.Tensor2D, asRow: boolean): tf.Tensor[] {
  const cols = tf.split(t, 4, 1);
  return asRow ? cols : cols.map((c) => tf.transpose(c));
}

/**
 * MMDetection's `bbox_overlaps`: IoU / IoF / GIoU between `a` [n,4] and `b` [m,4].
 * Returns [n,m], or [n] when `isAligned`. The union (and enclosing area) is clamped below by eps.
 */
export function bboxOverlaps(a: tf.Tensor2D, b: tf.Tensor2D, options: BboxOverlapsOptions = {}): tf.Tensor {
  const { mode = 'iou', isAligned = false, eps = 1e-6 } = options;
  return overlapsImpl(a, b, mode, isAligned, eps, true, 'bboxOverlaps');
}

/** torchvision `box_iou`: pairwise IoU [n,m], plain division (degenerate unions give NaN as there). */
export function boxIou(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return overlapsImpl(a, b, 'iou', false, 0, false, 'boxIou') as tf.Tensor2D;
}

/** torchvision `generalized_box_iou`: pairwise GIoU [n,m] = IoU - (C - U) / C. */
export function generalizedBoxIou(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return overlapsImpl(a, b, 'giou', false, 0, false, 'generalizedBoxIou') as tf.Tensor2D;
}

function overlapsImpl(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  mode: OverlapMode,
  isAligned: boolean,
  eps: number,
  clampByEps: boolean,
  op: string,
): tf.Tensor {
  checkBoxes(a, 'a', op);
  checkBoxes(b, 'b', op);
  if (mode !== 'iou' && mode !== 'iof' && mode !== 'giou') {
    throw new DetError(`${op}: mode must be 'iou', 'iof' or 'giou', got '${String(mode)}'`);
  }
  const n = a.shape[0];
  const m = b.shape[0];
  if (isAligned && n !== m) throw new DetError(`${op}: isAligned needs as many rows in a (${n}) as in b (${m})`);
  if (n === 0 || m === 0) return tf.zeros(isAligned ? [n] : [n, m]);
  return tf.tidy(() => {
    const [ax1, ay1, ax2, ay2] = columns(a, true);
    const [bx1, by1, bx2, by2] = columns(b, isAligned);
    const areaA = tf.mul(tf.sub(ax2, ax1), tf.sub(ay2, ay1));
    const areaB = tf.mul(tf.sub(bx2, bx1), tf.sub(by2, by1));
    const iw = tf.relu(tf.sub(tf.minimum(ax2, bx2), tf.maximum(ax1, bx1)));
    const ih = tf.relu(tf.sub(tf.minimum(ay2, by2), tf.maximum(ay1, by1)));
    const inter = tf.mul(iw, ih);
    let union = mode === 'iof' ? tf.broadcastTo(areaA, inter.shape) : tf.sub(tf.add(areaA, areaB), inter);
    if (clampByEps) union = tf.maximum(union, eps);
    let result = tf.div(inter, union);
    if (mode === 'giou') {
      const cw = tf.relu(tf.sub(tf.maximum(ax2, bx2), tf.minimum(ax1, bx1)));
      const ch = tf.relu(tf.sub(tf.maximum(ay2, by2), tf.minimum(ay1, by1)));
      let enclose = tf.mul(cw, ch);
      if (clampByEps) enclose = tf.maximum(enclose, eps);
      result = tf.sub(result, tf.div(tf.sub(enclose, union), enclose));
    }
    return isAligned ? tf.reshape(result, [n]) : result;
  });
}
