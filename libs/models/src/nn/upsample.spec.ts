import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { upsampleNearest } from './upsample';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Independent reference: PyTorch nearest rule src = floor(dst · in / out), in plain loops. */
function reference(x: Float32Array, [n, h, w, c]: number[], oh: number, ow: number): Float32Array {
  const out = new Float32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < c; k++) {
          const si = Math.floor((i * h) / oh);
          const sj = Math.floor((j * w) / ow);
          out[((b * oh + i) * ow + j) * c + k] = x[((b * h + si) * w + sj) * c + k];
        }
  return out;
}

describe('upsampleNearest', () => {
  it.each([
    [[2, 2, 3, 3], [4, 6]],
    [[2, 3, 5, 2], [5, 9]],
    [[1, 4, 4, 1], [7, 8]],
  ])('matches the PyTorch nearest rule for %j → %j, with exact gradients for batch > 1', (shape, [oh, ow]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const xData = Float32Array.from({ length: size }, (_, i) => Math.sin(i));
    const x = tf.tensor4d(xData, shape as [number, number, number, number]);
    const y = upsampleNearest(x, [oh, ow]);
    expect(y.shape).toEqual([shape[0], oh, ow, shape[3]]);
    expect(Array.from(y.dataSync())).toEqual(Array.from(reference(xData, shape, oh, ow)));
    // d/dx Σ w·up(x): each source pixel collects the weights of the outputs that copy it
    const wData = Float32Array.from({ length: y.size }, (_, i) => i % 7);
    const w = tf.tensor(wData, y.shape);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(upsampleNearest(t, [oh, ow]), w)))(x);
    const want = new Float32Array(size);
    const [n, h, wd, c] = shape;
    for (let b = 0; b < n; b++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++)
          for (let k = 0; k < c; k++) {
            const src = ((b * h + Math.floor((i * h) / oh)) * wd + Math.floor((j * wd) / ow)) * c + k;
            want[src] += wData[((b * oh + i) * ow + j) * c + k];
          }
    Array.from(g.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
    tf.dispose([x, y, w, g]);
  });
});
