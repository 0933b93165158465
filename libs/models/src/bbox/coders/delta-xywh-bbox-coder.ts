// MMDetection 2.x DeltaXYWHBBoxCoder: boxes ↔ normalised (dx, dy, dw, dh) deltas.
import * as tf from '@tensorflow/tfjs-core';
import { BBOX_CODERS, DetError } from '@det/registry';

export interface DeltaXYWHBBoxCoderOptions {
  targetMeans?: [number, number, number, number];
  targetStds?: [number, number, number, number];
  /** Clip decoded boxes to maxShape when one is given. */
  clipBorder?: boolean;
  /** Clamp the centre shift to ±ctrClamp px and only the upper side of dw/dh (MMDet's YOLOF option). */
  addCtrClamp?: boolean;
  ctrClamp?: number;
}

/** |log(16/1000)|: the largest |dw|, |dh| that decode lets through. */
export const DEFAULT_WH_RATIO_CLIP = 16 / 1000;

function checkBoxes(t: tf.Tensor, name: string): void {
  if (t.rank !== 2 || t.shape[1] !== 4) {
    throw new DetError(`DeltaXYWHBBoxCoder: '${name}' must be [n,4] xyxy, got [${t.shape.join(',')}]`);
  }
}

@BBOX_CODERS.register()
export class DeltaXYWHBBoxCoder {
  readonly means: [number, number, number, number];
  readonly stds: [number, number, number, number];
  readonly clipBorder: boolean;
  readonly addCtrClamp: boolean;
  readonly ctrClamp: number;

  constructor(options: DeltaXYWHBBoxCoderOptions = {}) {
    this.means = options.targetMeans ?? [0, 0, 0, 0];
    this.stds = options.targetStds ?? [1, 1, 1, 1];
    if (this.means.length !== 4 || this.stds.length !== 4) {
      throw new DetError(`DeltaXYWHBBoxCoder: targetMeans and targetStds need 4 numbers each, got ${JSON.stringify([this.means, this.stds])}`);
    }
    this.clipBorder = options.clipBorder ?? true;
    this.addCtrClamp = options.addCtrClamp ?? false;
    this.ctrClamp = options.ctrClamp ?? 32;
  }

  /** Deltas [n,4] that turn `bboxes` into `gtBboxes` (MMDetection bbox2delta). */
  encode(bboxes: tf.Tensor2D, gtBboxes: tf.Tensor2D): tf.Tensor2D {
    checkBoxes(bboxes, 'bboxes');
    checkBoxes(gtBboxes, 'gtBboxes');
    if (bboxes.shape[0] !== gtBboxes.shape[0]) {
      throw new DetError(`DeltaXYWHBBoxCoder.encode: ${bboxes.shape[0]} boxes but ${gtBboxes.shape[0]} gt boxes`);
    }
    return tf.tidy(() => {
      const [px1, py1, px2, py2] = tf.split(bboxes, 4, 1);
      const [gx1, gy1, gx2, gy2] = tf.split(gtBboxes, 4, 1);
      const pw = tf.sub(px2, px1);
      const ph = tf.sub(py2, py1);
      const gw = tf.sub(gx2, gx1);
      const gh = tf.sub(gy2, gy1);
      const dx = tf.div(tf.sub(tf.mul(tf.add(gx1, gx2), 0.5), tf.mul(tf.add(px1, px2), 0.5)), pw);
      const dy = tf.div(tf.sub(tf.mul(tf.add(gy1, gy2), 0.5), tf.mul(tf.add(py1, py2), 0.5)), ph);
      const dw = tf.log(tf.div(gw, pw));
      const dh = tf.log(tf.div(gh, ph));
      const deltas = tf.concat([dx, dy, dw, dh], 1);
      return tf.div(tf.sub(deltas, tf.tensor1d(this.means)), tf.tensor1d(this.stds)) as tf.Tensor2D;
    });
  }

  /**
   * `encode` on host arrays (flat n·4 xyxy each), for target assignment that never leaves the
   * host (webgpu has no synchronous reads). Every step is rounded to float32 in the order
   * `encode` runs its ops, so the result equals `encode` on the cpu backend.
   */
  encodeData(bboxes: ArrayLike<number>, gtBboxes: ArrayLike<number>): Float32Array {
    if (bboxes.length % 4 !== 0 || bboxes.length !== gtBboxes.length) {
      throw new DetError(`DeltaXYWHBBoxCoder.encodeData: need two flat n·4 arrays of equal length, got ${bboxes.length} and ${gtBboxes.length} numbers`);
    }
    const f = Math.fround;
    const out = new Float32Array(bboxes.length);
    const [m0, m1, m2, m3] = this.means.map(f);
    const [s0, s1, s2, s3] = this.stds.map(f);
    for (let i = 0; i < bboxes.length; i += 4) {
      const [px1, py1, px2, py2] = [bboxes[i], bboxes[i + 1], bboxes[i + 2], bboxes[i + 3]].map(f);
      const [gx1, gy1, gx2, gy2] = [gtBboxes[i], gtBboxes[i + 1], gtBboxes[i + 2], gtBboxes[i + 3]].map(f);
      const pw = f(px2 - px1);
      const ph = f(py2 - py1);
      const gw = f(gx2 - gx1);
      const gh = f(gy2 - gy1);
      const dx = f(f(f(f(gx1 + gx2) * 0.5) - f(f(px1 + px2) * 0.5)) / pw);
      const dy = f(f(f(f(gy1 + gy2) * 0.5) - f(f(py1 + py2) * 0.5)) / ph);
      const dw = f(Math.log(f(gw / pw)));
      const dh = f(Math.log(f(gh / ph)));
      out[i] = f(f(dx - m0) / s0);
      out[i + 1] = f(f(dy - m1) / s1);
      out[i + 2] = f(f(dw - m2) / s2);
      out[i + 3] = f(f(dh - m3) / s3);
    }
    return out;
  }

  /**
   * Applies `deltas` [n, 4·k] (k boxes per roi, e.g. one per class) to `bboxes` [n,4]
   * (MMDetection delta2bbox). Returns [n, 4·k]. `maxShape` = [h, w] clips when clipBorder.
   */
  decode(
    bboxes: tf.Tensor2D,
    deltas: tf.Tensor2D,
    options: { maxShape?: [number, number] | number[]; whRatioClip?: number } = {},
  ): tf.Tensor2D {
    checkBoxes(bboxes, 'bboxes');
    if (deltas.rank !== 2 || deltas.shape[1] % 4 !== 0 || deltas.shape[0] !== bboxes.shape[0]) {
      throw new DetError(
        `DeltaXYWHBBoxCoder.decode: deltas must be [${bboxes.shape[0]}, 4·k], got [${deltas.shape.join(',')}]`,
      );
    }
    const n = deltas.shape[0];
    const k = deltas.shape[1] / 4;
    const maxRatio = Math.abs(Math.log(options.whRatioClip ?? DEFAULT_WH_RATIO_CLIP));
    return tf.tidy(() => {
      const d = tf.add(tf.mul(tf.reshape(deltas, [n, k, 4]), tf.tensor1d(this.stds)), tf.tensor1d(this.means));
      const [dx, dy, dwRaw, dhRaw] = tf.split(d, 4, 2);
      const rois = tf.expandDims(bboxes, 1); // [n,1,4] broadcasts over k
      const [x1, y1, x2, y2] = tf.split(rois, 4, 2);
      const px = tf.mul(tf.add(x1, x2), 0.5);
      const py = tf.mul(tf.add(y1, y2), 0.5);
      const pw = tf.sub(x2, x1);
      const ph = tf.sub(y2, y1);
      let dxw = tf.mul(pw, dx);
      let dyh = tf.mul(ph, dy);
      let dw: tf.Tensor;
      let dh: tf.Tensor;
      if (this.addCtrClamp) {
        dxw = tf.clipByValue(dxw, -this.ctrClamp, this.ctrClamp);
        dyh = tf.clipByValue(dyh, -this.ctrClamp, this.ctrClamp);
        dw = tf.minimum(dwRaw, maxRatio);
        dh = tf.minimum(dhRaw, maxRatio);
      } else {
        dw = tf.clipByValue(dwRaw, -maxRatio, maxRatio);
        dh = tf.clipByValue(dhRaw, -maxRatio, maxRatio);
      }
      const gx = tf.add(px, dxw);
      const gy = tf.add(py, dyh);
      const halfW = tf.mul(tf.mul(pw, tf.exp(dw)), 0.5);
      const halfH = tf.mul(tf.mul(ph, tf.exp(dh)), 0.5);
      let bx1 = tf.sub(gx, halfW);
      let by1 = tf.sub(gy, halfH);
      let bx2 = tf.add(gx, halfW);
      let by2 = tf.add(gy, halfH);
      if (this.clipBorder && options.maxShape) {
        const [h, w] = options.maxShape;
        [bx1, bx2] = [bx1, bx2].map((t) => tf.clipByValue(t, 0, w));
        [by1, by2] = [by1, by2].map((t) => tf.clipByValue(t, 0, h));
      }
      return tf.reshape(tf.concat([bx1, by1, bx2, by2], 2), [n, 4 * k]) as tf.Tensor2D;
    });
  }
}
