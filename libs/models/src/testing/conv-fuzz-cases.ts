import * as tf from '@tensorflow/tfjs-core';
import { differentialMismatches, seededPicker } from './differential';

/**
 * Convolutions of seeded random shapes for differential specs (a backend against the cpu
 * backend): batch 1–3, sizes 1–17, 1–32 channels, filters 1–5, strides 1–3, dilation 2
 * (forward only: tfjs has no dilated gradients), numeric / same / valid padding — outputs of
 * size 0 included — with or without bias and ReLU. Each case runs forward, dx, dW and db.
 * It found five faults in its first hour (docs/backends.md, docs/webgpu.md).
 */
export interface ConvFuzzCase {
  desc: string;
  xShape: [number, number, number, number];
  wShape: [number, number, number, number];
  x: Float32Array;
  w: Float32Array;
  b: Float32Array;
  dy: Float32Array;
  stride: number;
  dilation: number;
  pad: 'same' | 'valid' | number;
  bias: boolean;
  relu: boolean;
}

export function convFuzzCases(count: number, seed = 2026): ConvFuzzCase[] {
  const { rnd, pick } = seededPicker(seed);
  const values = (n: number) => Float32Array.from({ length: n }, () => rnd() * 2 - 1);
  const out: ConvFuzzCase[] = [];
  while (out.length < count) {
    const [n, h, w] = [pick([1, 2, 3]), pick([1, 2, 3, 5, 7, 8, 9, 16, 17]), pick([1, 3, 4, 6, 8, 13, 16])];
    const [ci, co, k] = [pick([1, 2, 3, 4, 5, 8, 16, 17, 32]), pick([1, 3, 4, 8, 16, 20, 32]), pick([1, 2, 3, 5])];
    const stride = pick([1, 1, 2, 3]);
    const dilation = stride === 1 ? pick([1, 1, 1, 2]) : 1;
    const pad = pick(['same', 'valid', 0, 1, 2] as const);
    const reach = (k - 1) * dilation + 1;
    const size = (d: number) => (pad === 'same' ? Math.ceil(d / stride) : Math.floor((d + 2 * (pad === 'valid' ? 0 : pad) - reach) / stride) + 1);
    if (size(h) < 0 || size(w) < 0) continue; // not a conv tfjs accepts
    const [bias, relu] = [rnd() < 0.5, rnd() < 0.5];
    out.push({
      desc: `${n}×${h}×${w}×${ci} → ${co}, ${k}×${k}, stride ${stride}, dilation ${dilation}, pad ${pad}${bias ? ', bias' : ''}${relu ? ', relu' : ''}`,
      xShape: [n, h, w, ci], wShape: [k, k, ci, co], x: values(n * h * w * ci), w: values(k * k * ci * co), b: values(co),
      dy: values(n * size(h) * size(w) * co), stride, dilation, pad, bias, relu,
    });
  }
  return out;
}

/** y, then (without dilation) dx, dW and db when there is a bias, on the active backend. */
export async function runConvCase(c: ConvFuzzCase): Promise<Float32Array[]> {
  const outs = tf.tidy(() => {
    const [x, w, b] = [tf.tensor4d(c.x, c.xShape), tf.tensor4d(c.w, c.wShape), tf.tensor1d(c.b)];
    const conv = (xi: tf.Tensor, wi: tf.Tensor, bi?: tf.Tensor) => tf.fused.conv2d({
      x: xi as tf.Tensor4D, filter: wi as tf.Tensor4D, strides: c.stride, pad: c.pad, dilations: c.dilation, bias: bi, activation: c.relu ? 'relu' : 'linear',
    });
    const y = conv(x, w, c.bias ? b : undefined);
    if (c.dilation > 1) return [y];
    const dy = tf.tensor(c.dy, y.shape);
    const loss = (xi: tf.Tensor, wi: tf.Tensor, bi?: tf.Tensor) => tf.sum(tf.mul(conv(xi, wi, bi), dy));
    return [y, ...(c.bias ? tf.grads(loss)([x, w, b]) : tf.grads((xi: tf.Tensor, wi: tf.Tensor) => loss(xi, wi))([x, w]))];
  });
  const data = await Promise.all(outs.map(async (t) => Float32Array.from((await t.data()) as Float32Array)));
  tf.dispose(outs);
  return data;
}

/** Every case on `backend` against cpu (testing/differential.ts): y, dx, dW, db beyond `tol`, described. */
export function convFuzzMismatches(backend: string, cases: ConvFuzzCase[], tol: number): Promise<string[]> {
  return differentialMismatches(backend, cases, runConvCase, tol, ['y', 'dx', 'dW', 'db']);
}
