import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from './gradients';

// det's SquaredDifference and BatchMatMul gradients on broadcast inputs (tfjs 4.22's fail there)
// against the same op on explicitly tiled inputs, whose gradient tfjs's Tile gradient sums back,
// det's Cumsum gradient (tfjs's transposes it off the last axis) against cumsum written as a
// product with a triangular matrix, and det's StridedSlice gradient (tfjs has none) against the
// same selection as gathers along each axis: independent paths. Tolerance 1e-5 relative (float32, other summation orders). (matMul: the
// batch broadcasts tfjs's kernels compute right — one side a single batch, or equal batch shapes
// up to leading 1s; matmul-broadcast-guard.ts refuses the others.)
beforeAll(async () => {
  await tf.setBackend('cpu');
  ensureGradients();
});

const seeded = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 97 + i * 1.7) * 2);

function expectClose(got: tf.Tensor, want: tf.Tensor): void {
  expect(got.shape).toEqual(want.shape);
  const [g, w] = [got.dataSync(), want.dataSync()];
  const scale = Math.max(1, ...Array.from(w, Math.abs));
  g.forEach((v, i) => expect(Math.abs(v - w[i]) / scale).toBeLessThan(1e-5));
}

describe('gradients tfjs-core gets wrong', () => {
  it.each([
    [[2, 3], [3]],
    [[4, 1, 3], [2, 1]],
    [[2, 1, 2, 3], [1, 3, 1, 1]],
  ])('squaredDifference %j, %j', (aShape, bShape) => {
    const a = tf.tensor(seeded(aShape.reduce((x, y) => x * y), 1), aShape);
    const b = tf.tensor(seeded(bShape.reduce((x, y) => x * y), 2), bShape);
    const out = tf.broadcastTo(tf.add(a, b), tf.broadcast_util.assertAndGetBroadcastShape(aShape, bShape)).shape;
    const dy = tf.tensor(seeded(out.reduce((x, y) => x * y, 1), 3), out);
    const loss = (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), dy));
    const [da, db] = tf.grads(loss((x, y) => tf.squaredDifference(x, y)))([a, b]);
    const tiled = (x: tf.Tensor) => tf.broadcastTo(tf.reshape(x, [...Array(out.length - x.rank).fill(1), ...x.shape]), out);
    const [ra, rb] = tf.grads(loss((x, y) => tf.square(tf.sub(tiled(x), tiled(y)))))([a, b]);
    expectClose(da, ra);
    expectClose(db, rb);
  });

  it.each([
    [[3, 2, 4], [4, 5], false, false],
    [[3, 4, 2], [1, 5, 4], true, true],
    [[2, 4], [3, 4, 5], false, false],
    [[1, 2, 3, 4], [2, 5, 4], false, true],
  ] as const)('matMul %j × %j (transposes %s/%s)', (aShape, bShape, ta, tb) => {
    const a = tf.tensor(seeded(aShape.reduce((x, y) => x * y, 1), 4), [...aShape]);
    const b = tf.tensor(seeded(bShape.reduce((x, y) => x * y, 1), 5), [...bShape]);
    const y = tf.matMul(a, b, ta, tb);
    const dy = tf.tensor(seeded(y.size, 6), y.shape);
    const batch = y.shape.slice(0, -2);
    const tiled = (x: tf.Tensor) => tf.broadcastTo(tf.reshape(x, [...Array(y.rank - x.rank).fill(1), ...x.shape]), [...batch, ...x.shape.slice(-2)]);
    const loss = (f: (p: tf.Tensor, q: tf.Tensor) => tf.Tensor) => (p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(f(p, q), dy));
    const [da, db] = tf.grads(loss((p, q) => tf.matMul(p, q, ta, tb)))([a, b]);
    const [ra, rb] = tf.grads(loss((p, q) => tf.matMul(tiled(p), tiled(q), ta, tb)))([a, b]);
    expectClose(da, ra);
    expectClose(db, rb);
  });

  it.each([
    [[2, 3], 0, false, false],
    [[3, 3], 0, false, false], // square: tfjs's came out transposed without an error
    [[2, 4, 3], 1, true, false],
    [[2, 3, 4], 0, false, true],
    [[4, 2], 1, true, true],
  ] as const)('cumsum %j axis %d (exclusive %s, reverse %s)', (shape, axis, exclusive, reverse) => {
    const x = tf.tensor(seeded(shape.reduce((p, q) => p * q, 1), 7), [...shape]);
    const dy = tf.tensor(seeded(x.size, 8), [...shape]);
    const n = shape[axis];
    // T[j, i] = 1 where x_j counts into y_i
    const t = tf.tensor2d(Array.from({ length: n * n }, (_, k) => {
      const [j, i] = [Math.floor(k / n), k % n];
      return (reverse ? (exclusive ? j > i : j >= i) : (exclusive ? j < i : j <= i)) ? 1 : 0;
    }), [n, n]);
    const perm = [...shape.keys()].filter((d) => d !== axis).concat(axis);
    const inverse = perm.map((_, d) => perm.indexOf(d));
    const viaMatMul = (v: tf.Tensor) => tf.transpose(tf.reshape(tf.matMul(tf.reshape(tf.transpose(v, perm), [-1, n]), t), perm.map((d) => shape[d])), inverse);
    const [got] = tf.grads((v: tf.Tensor) => tf.sum(tf.mul(tf.cumsum(v, axis, exclusive, reverse), dy)))([x]);
    const [want] = tf.grads((v: tf.Tensor) => tf.sum(tf.mul(viaMatMul(v), dy)))([x]);
    expectClose(tf.cumsum(x, axis, exclusive, reverse), viaMatMul(x));
    expectClose(got, want);
  });

  it.each([
    [[5], [1], [5], [2]],
    [[4, 6], [3, 1], [0, 6], [-1, 2]],
    [[3, 4, 5], [0, 3, 4], [3, 0, 1], [2, -2, -1]],
  ] as const)('stridedSlice %j begin %j end %j strides %j', (shape, begin, end, strides) => {
    const x = tf.tensor(seeded(shape.reduce((p, q) => p * q, 1), 9), [...shape]);
    const picks = shape.map((_, d) => {
      const out: number[] = [];
      for (let i = begin[d]; strides[d] > 0 ? i < end[d] : i > end[d]; i += strides[d]) out.push(i);
      return out;
    });
    const viaGather = (v: tf.Tensor) => picks.reduce((t, idx, d) => tf.gather(t, tf.tensor1d(idx, 'int32'), d), v);
    const y = tf.stridedSlice(x, [...begin], [...end], [...strides]);
    expectClose(y, viaGather(x));
    const dy = tf.tensor(seeded(y.size, 10), y.shape);
    const [got] = tf.grads((v: tf.Tensor) => tf.sum(tf.mul(tf.stridedSlice(v, [...begin], [...end], [...strides]), dy)))([x]);
    const [want] = tf.grads((v: tf.Tensor) => tf.sum(tf.mul(viaGather(v), dy)))([x]);
    expectClose(got, want);
  });

  it.each([
    ['maximum', [2, 3], [3]],
    ['minimum', [4, 1], [1, 5]],
    ['maximum', [9, 1], [1, 7]], // pairwise box IoU's corners
  ] as const)('%s %j, %j (ties on a coarse grid go to a, as tfjs)', (op, aShape, bShape) => {
    const grid = (n: number, seed: number) => seeded(n, seed).map((v) => Math.round(v));
    const a = tf.tensor(grid(aShape.reduce((p, q) => p * q, 1), 11), [...aShape]);
    const b = tf.tensor(grid(bShape.reduce((p, q) => p * q, 1), 12), [...bShape]);
    const out = tf.broadcast_util.assertAndGetBroadcastShape([...aShape], [...bShape]);
    const dy = tf.tensor(seeded(out.reduce((p, q) => p * q, 1), 13), out);
    const tiled = (x: tf.Tensor) => tf.broadcastTo(tf.reshape(x, [...Array(out.length - x.rank).fill(1), ...x.shape]), out);
    const loss = (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), dy));
    const [da, db] = tf.grads(loss((x, y) => tf[op](x, y)))([a, b]);
    const [ra, rb] = tf.grads(loss((x, y) => tf[op](tiled(x), tiled(y))))([a, b]);
    expectClose(da, ra);
    expectClose(db, rb);
  });
});
