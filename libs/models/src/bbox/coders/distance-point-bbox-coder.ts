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
}
