import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureGradients } from './gradients';
import { DET_REDUCE_GRADIENTS, registerReduceGradients } from './reduce-gradients';

// det's Sum/Mean gradients broadcast dy instead of multiplying by a host-filled ones(x.shape).
// Checked against the analytic gradient computed here on plain arrays: exact (dy·1 = dy).

beforeAll(async () => {
  await tf.setBackend('cpu');
  ensureGradients();
});

const shape = [2, 3, 4, 5];
const x = () => tf.tensor(Array.from({ length: 120 }, (_, i) => Math.sin(i)), shape);

/** d/dx of Σ_j w_j · reduce(x)_j, i.e. w broadcast back over the reduced axes (÷ count for mean). */
function expected(axes: number[], w: Float32Array, mean: boolean): Float32Array {
  const keep = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const count = axes.reduce((n, a) => n * shape[a], 1);
  const out = new Float32Array(120);
  for (let i = 0; i < 120; i++) {
    let rem = i, j = 0, stride = 1;
    const idx = shape.map(() => 0);
    for (let d = shape.length - 1; d >= 0; d--) { idx[d] = rem % shape[d]; rem = Math.floor(rem / shape[d]); }
    for (let d = shape.length - 1; d >= 0; d--) { j += (axes.includes(d) ? 0 : idx[d]) * stride; stride *= keep[d]; }
    out[i] = mean ? w[j] / count : w[j];
  }
  return out;
}

describe('Sum and Mean gradients without host-side ones()', () => {
  it('small dy over a large input (the dy·onesLike(x) path) has the analytic gradient', async () => {
    const input = tf.tensor(Array.from({ length: 3000 }, (_, i) => Math.cos(i)), [10, 300]);
    const w = Float32Array.from({ length: 300 }, (_, i) => i * 0.5 - 3);
    for (const op of ['sum', 'mean'] as const) {
      const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf[op](t, 0), tf.tensor(w))))(input));
      const expectedValues = Array.from({ length: 3000 }, (_, i) => Math.fround(op === 'mean' ? w[i % 300] / 10 : w[i % 300]));
      expect(Array.from(await g.data())).toEqual(expectedValues);
      g.dispose();
    }
    input.dispose();
  });

  it('rank 5 (GroupNorm\'s grouped moments: the dy·onesLike(x) path, as Tile of rank 5 runs on the CPU in tfjs-webgpu) has the analytic gradient', async () => {
    const input = tf.tensor(Array.from({ length: 240 }, (_, i) => Math.sin(i)), [2, 3, 4, 5, 2]);
    const w = Float32Array.from({ length: 10 }, (_, i) => 0.5 + i * 0.25); // the kept axes 0 and 3: [2, 5]
    for (const op of ['sum', 'mean'] as const) {
      const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf[op](t, [1, 2, 4]), tf.tensor(w, [2, 5]))))(input));
      // element (a, b, c, d, e) gets w[a, d], divided by 3·4·2 = 24 for the mean
      const want = Array.from({ length: 240 }, (_, i) => {
        const a = Math.floor(i / 120), d = Math.floor(i / 2) % 5;
        return Math.fround(op === 'mean' ? w[a * 5 + d] / 24 : w[a * 5 + d]);
      });
      expect(Array.from(await g.data())).toEqual(want);
      g.dispose();
    }
    input.dispose();
  });

  it('over an empty input: zeros of its shape (tfjs\'s own gradient gives them; broadcasting dy cannot)', () => {
    for (const op of ['sum', 'mean'] as const) {
      for (const [inShape, axis] of [[[1, 0, 0, 1], undefined], [[2, 0, 3], 1], [[0, 4], 0]] as const) {
        const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf[op](t, axis as number | undefined), 2)))(tf.zeros([...inShape])));
        expect(g.shape).toEqual([...inShape]);
        g.dispose();
      }
    }
  });

  it('are the ones registered after ensureGradients / registerReduceGradients (idempotent)', () => {
    registerReduceGradients();
    registerReduceGradients();
    for (const config of DET_REDUCE_GRADIENTS) expect(tf.getGradient(config.kernelName)).toBe(config);
  });

  for (const op of ['sum', 'mean'] as const) {
    for (const [axes, keepDims] of [[[0], false], [[0, 1, 2], false], [[1, 3], true], [[3], false], [[0, 1, 2, 3], false]] as [number[], boolean][]) {
      it(`${op} over axes ${axes}${keepDims ? ' (keepDims)' : ''} has the analytic gradient`, async () => {
        const input = x();
        const reducedShape = shape.map((d, i) => (axes.includes(i) ? 1 : d)).filter((d, i) => keepDims || !axes.includes(i));
        const n = reducedShape.reduce((a, b) => a * b, 1);
        const w = Float32Array.from({ length: n }, (_, i) => 0.5 + i * 0.25);
        const before = tf.memory().numTensors;
        const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf[op](t, axes, keepDims), tf.tensor(w, reducedShape))))(input));
        expect(Array.from(await g.data())).toEqual(Array.from(expected(axes, w, op === 'mean')));
        expect(g.shape).toEqual(shape);
        g.dispose();
        input.dispose();
        expect(tf.memory().numTensors).toBe(before - 1);
      });
    }
  }
});
