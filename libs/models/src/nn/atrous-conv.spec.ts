import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@det/registry';
import { atrousConv2d } from './atrous-conv';
import { Conv2d } from './conv2d';

// The atrous form of a dilated conv against two independent computations on cpu: tfjs's own
// dilated Conv2D (forward), and a plain conv with the filter's taps spread d apart by zeros
// (forward and both gradients; the filter gradient read back at the taps). 1e-5 of the largest
// value (float32, other summation orders).
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const seeded = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 31 + i * 0.7));

function expectClose(got: tf.Tensor, want: tf.Tensor): void {
  expect(got.shape).toEqual(want.shape);
  const [g, w] = [got.dataSync(), want.dataSync()];
  const scale = Math.max(1, ...Array.from(w, Math.abs));
  g.forEach((v, i) => expect(Math.abs(v - w[i]) / scale).toBeLessThan(1e-5));
}

/** The k×k filter as a d(k−1)+1 square with zeros between its taps. */
function spread(w: Float32Array, [k, , ci, co]: number[], d: number): tf.Tensor4D {
  const kd = d * (k - 1) + 1;
  const out = new Float32Array(kd * kd * ci * co);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) for (let c = 0; c < ci * co; c++) {
    out[((i * d) * kd + j * d) * ci * co + c] = w[(i * k + j) * ci * co + c];
  }
  return tf.tensor4d(out, [kd, kd, ci, co]);
}

describe('atrousConv2d', () => {
  it.each([
    [[1, 9, 8, 2], 3, 2, 2],
    [[2, 7, 11, 3], 3, 3, 1],
    [[1, 10, 10, 1], 5, 2, 0],
    [[2, 6, 5, 2], 1, 4, 0],
    [[1, 13, 6, 2], 3, 4, 4],
  ] as const)('x %j, k %d, dilation %d, pad %d: forward and gradients', (shape, k, d, pad) => {
    const [, , , ci] = shape;
    const co = 3;
    const xv = seeded(shape.reduce((a, b) => a * b, 1), 1);
    const wv = seeded(k * k * ci * co, 2);
    const x = tf.tensor4d(xv, [...shape] as [number, number, number, number]);
    const w = tf.tensor4d(wv, [k, k, ci, co]);
    const y = atrousConv2d(x, w, d, pad);
    expectClose(y, tf.conv2d(x, w, 1, pad, 'NHWC', d));

    const dy = tf.tensor(seeded(y.size, 3), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(atrousConv2d(a as tf.Tensor4D, b as tf.Tensor4D, d, pad), dy)))([x, w]);
    const ws = spread(wv, [k, k, ci, co], d);
    const [rx, rws] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), dy)))([x, ws]);
    expectClose(dx, rx);
    const taps = rws.dataSync();
    const kd = d * (k - 1) + 1;
    const rw = Float32Array.from({ length: k * k * ci * co }, (_, idx) => {
      const [ij, c] = [Math.floor(idx / (ci * co)), idx % (ci * co)];
      return taps[((Math.floor(ij / k) * d) * kd + (ij % k) * d) * ci * co + c];
    });
    expectClose(dw, tf.tensor4d(rw, [k, k, ci, co]));
  });

  it('makes Conv2d with dilation trainable (tfjs\'s dilated Conv2D has no gradient)', () => {
    const conv = new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, padding: 2, dilation: 2, rng: new Rng(1) });
    const x = tf.randomNormal([1, 8, 8, 2], 0, 1, 'float32', 4);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(conv.forward(x))) as tf.Scalar, Object.values(conv.parameters()));
    expect(Object.keys(grads)).toHaveLength(2);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    conv.dispose();
  });
});
