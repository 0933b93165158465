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
   * `decode` on host arrays (`bboxes` flat n·4 xyxy, `deltas` flat n·4k), for post-processing
   * whose boxes go to the host anyway (NMS): one read of the picked deltas instead of ~30 small
   * device ops and a read of the boxes. Every step is rounded to float32 in the order `decode`
   * runs its ops (clips compare as tfjs's ClipByValue does), so the result equals `decode` on the
   * cpu backend bit for bit (`coders.spec.ts`).
   */
  decodeData(bboxes: ArrayLike<number>, deltas: ArrayLike<number>, options: { maxShape?: [number, number] | number[]; whRatioClip?: number } = {}): Float32Array {
    const n = bboxes.length / 4;
    if (bboxes.length % 4 !== 0 || (n === 0 ? deltas.length !== 0 : deltas.length % (4 * n) !== 0)) {
      throw new DetError(`DeltaXYWHBBoxCoder.decodeData: need flat n·4 boxes and n·4k deltas, got ${bboxes.length} and ${deltas.length} numbers`);
    }
    const f = Math.fround;
    const clip = (v: number, lo: number, hi: number) => (v > hi ? f(hi) : v < lo ? f(lo) : v);
    const k = n === 0 ? 0 : deltas.length / (4 * n);
    const maxRatio = Math.abs(Math.log(options.whRatioClip ?? DEFAULT_WH_RATIO_CLIP));
    const ratio32 = f(maxRatio);
    const [m0, m1, m2, m3] = this.means.map(f);
    const [s0, s1, s2, s3] = this.stds.map(f);
    const bounds = this.clipBorder && options.maxShape ? { h: options.maxShape[0], w: options.maxShape[1] } : undefined;
    const out = new Float32Array(deltas.length);
    for (let r = 0; r < n; r++) {
      const [x1, y1, x2, y2] = [bboxes[4 * r], bboxes[4 * r + 1], bboxes[4 * r + 2], bboxes[4 * r + 3]].map(f);
      const px = f(f(x1 + x2) * 0.5);
      const py = f(f(y1 + y2) * 0.5);
      const pw = f(x2 - x1);
      const ph = f(y2 - y1);
      for (let j = 0; j < k; j++) {
        const o = 4 * (r * k + j);
        const dx = f(f(f(deltas[o]) * s0) + m0);
        const dy = f(f(f(deltas[o + 1]) * s1) + m1);
        let dw = f(f(f(deltas[o + 2]) * s2) + m2);
        let dh = f(f(f(deltas[o + 3]) * s3) + m3);
        let dxw = f(pw * dx);
        let dyh = f(ph * dy);
        if (this.addCtrClamp) {
          dxw = clip(dxw, -this.ctrClamp, this.ctrClamp);
          dyh = clip(dyh, -this.ctrClamp, this.ctrClamp);
          dw = Math.min(dw, ratio32);
          dh = Math.min(dh, ratio32);
        } else {
          dw = clip(dw, -maxRatio, maxRatio);
          dh = clip(dh, -maxRatio, maxRatio);
        }
        const gx = f(px + dxw);
        const gy = f(py + dyh);
        const halfW = f(f(pw * f(Math.exp(dw))) * 0.5);
        const halfH = f(f(ph * f(Math.exp(dh))) * 0.5);
        let bx1 = f(gx - halfW);
        let by1 = f(gy - halfH);
        let bx2 = f(gx + halfW);
        let by2 = f(gy + halfH);
        if (bounds) {
          [bx1, bx2] = [clip(bx1, 0, bounds.w), clip(bx2, 0, bounds.w)];
          [by1, by2] = [clip(by1, 0, bounds.h), clip(by2, 0, bounds.h)];
        }
        out[o] = bx1;
        out[o + 1] = by1;
        out[o + 2] = bx2;
        out[o + 3] = by2;
      }
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
