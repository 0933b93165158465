// MMDetection 2.x DistancePointBBoxCoder: boxes ↔ distances (left, top, right, bottom) from points (FCOS).
import * as tf from '@tensorflow/tfjs-core';
import { BBOX_CODERS, DetError } from '@det/registry';

function checkShapes(points: tf.Tensor, other: tf.Tensor, otherName: string, op: string): void {
  if (points.rank !== 2 || (points.shape[1] ?? 0) < 2) {
    throw new DetError(`DistancePointBBoxCoder.${op}: points must be [n,2] (x,y), got [${points.shape.join(',')}]`);
  }
  if (other.rank !== 2 || other.shape[1] !== 4 || other.shape[0] !== points.shape[0]) {
    throw new DetError(
      `DistancePointBBoxCoder.${op}: ${otherName} must be [${points.shape[0]},4], got [${other.shape.join(',')}]`,
    );
  }
}

@BBOX_CODERS.register()
export class DistancePointBBoxCoder {
  readonly clipBorder: boolean;

  constructor(options: { clipBorder?: boolean } = {}) {
    this.clipBorder = options.clipBorder ?? true;
  }

  /** (px - x1, py - y1, x2 - px, y2 - py); with maxDis, clamped to [0, maxDis - eps]. */
  encode(points: tf.Tensor2D, gtBboxes: tf.Tensor2D, options: { maxDis?: number; eps?: number } = {}): tf.Tensor2D {
    checkShapes(points, gtBboxes, 'gtBboxes', 'encode');
    return tf.tidy(() => {
      const [px, py] = tf.split(tf.slice(points, [0, 0], [-1, 2]), 2, 1);
      const [x1, y1, x2, y2] = tf.split(gtBboxes, 4, 1);
      let d = tf.concat([tf.sub(px, x1), tf.sub(py, y1), tf.sub(x2, px), tf.sub(y2, py)], 1);
      if (options.maxDis !== undefined) d = tf.clipByValue(d, 0, options.maxDis - (options.eps ?? 0.1));
      return d as tf.Tensor2D;
    });
  }

  /** Boxes from distances; with maxShape [h, w] and clipBorder, clipped to the image. */
  decode(points: tf.Tensor2D, distances: tf.Tensor2D, options: { maxShape?: [number, number] | number[] } = {}): tf.Tensor2D {
    checkShapes(points, distances, 'distances', 'decode');
    return tf.tidy(() => {
      const [px, py] = tf.split(tf.slice(points, [0, 0], [-1, 2]), 2, 1);
      const [l, t, r, b] = tf.split(distances, 4, 1);
      let x1 = tf.sub(px, l);
      let y1 = tf.sub(py, t);
      let x2 = tf.add(px, r);
      let y2 = tf.add(py, b);
      if (this.clipBorder && options.maxShape) {
        const [h, w] = options.maxShape;
        [x1, x2] = [x1, x2].map((v) => tf.clipByValue(v, 0, w));
        [y1, y2] = [y1, y2].map((v) => tf.clipByValue(v, 0, h));
      }
      return tf.concat([x1, y1, x2, y2], 1) as tf.Tensor2D;
    });
  }

  /**
   * `decode` on host arrays (`points` flat n·2, `distances` flat n·4), for post-processing whose
   * boxes go to the host anyway; float32 steps in `decode`'s order, equal to it on the cpu backend.
   */
  decodeData(points: ArrayLike<number>, distances: ArrayLike<number>, options: { maxShape?: [number, number] | number[] } = {}): Float32Array {
    const n = distances.length / 4;
    if (distances.length % 4 !== 0 || points.length !== 2 * n) {
      throw new DetError(`DistancePointBBoxCoder.decodeData: need flat n·2 points and n·4 distances, got ${points.length} and ${distances.length} numbers`);
    }
    const f = Math.fround;
    const clip = (v: number, hi: number) => (v > hi ? f(hi) : v < 0 ? 0 : v);
    const bounds = this.clipBorder && options.maxShape ? { h: options.maxShape[0], w: options.maxShape[1] } : undefined;
    const out = new Float32Array(distances.length);
    for (let r = 0; r < n; r++) {
      const [px, py] = [f(points[2 * r]), f(points[2 * r + 1])];
      const o = 4 * r;
      let x1 = f(px - f(distances[o]));
      let y1 = f(py - f(distances[o + 1]));
      let x2 = f(px + f(distances[o + 2]));
      let y2 = f(py + f(distances[o + 3]));
      if (bounds) [x1, y1, x2, y2] = [clip(x1, bounds.w), clip(y1, bounds.h), clip(x2, bounds.w), clip(y2, bounds.h)];
      out.set([x1, y1, x2, y2], o);
    }
    return out;
  }
}
