import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { Rng } from '@det/registry';
import { fusedConvBias } from './fused-conv';
import { describeIfGpu, gpuSuite } from '../webgpu/testing/describe-if-gpu';
import { relativeMaxError } from '../webgpu/testing/compare';
import { setupWebGpu } from '../webgpu/setup';

// fusedConvBias (one fused forward kernel, trainable) against the ops it replaces —
// relu(conv2d + bias) or conv2d + bias with tfjs's own gradients — on cpu, and on webgpu
// against cpu.

type Case = { name: string; x: number[]; w: number[]; stride: number; pad: number | 'same' | 'valid'; activation: 'relu' | 'linear' };
const CASES: Case[] = [
  { name: '3×3 pad 1, stride 1, ReLU', x: [2, 7, 6, 5], w: [3, 3, 5, 8], stride: 1, pad: 1, activation: 'relu' },
  { name: '3×3 same, stride 2, odd size, ReLU', x: [1, 9, 7, 4], w: [3, 3, 4, 6], stride: 2, pad: 'same', activation: 'relu' },
  { name: '1×1 valid, ReLU', x: [2, 5, 5, 8], w: [1, 1, 8, 4], stride: 1, pad: 'valid', activation: 'relu' },
  { name: '3×3 same, stride 2, bias only', x: [1, 9, 7, 4], w: [3, 3, 4, 6], stride: 2, pad: 'same', activation: 'linear' },
];

function inputs(c: Case, seed: number): { x: Float32Array; w: Float32Array; b: Float32Array; dy: Float32Array; outShape: number[] } {
  const rng = new Rng(seed);
  const fill = (n: number, s: number) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * s);
  const outShape = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.w) as tf.Tensor4D, c.stride, c.pad).shape);
  return { x: fill(c.x.reduce((a, v) => a * v), 1), w: fill(c.w.reduce((a, v) => a * v), 0.5), b: fill(c.w[3], 0.3), dy: fill(outShape.reduce((a, v) => a * v), 1), outShape };
}

/** value and the three gradients of Σ dy·f(x, w, b), read back as plain arrays */
async function run(c: Case, seed: number, fused: boolean): Promise<number[][]> {
  const v = inputs(c, seed);
  const ts = tf.tidy(() => {
    const [x, w, b, dy] = [tf.tensor(v.x, c.x), tf.tensor(v.w, c.w), tf.tensor(v.b, [c.w[3]]), tf.tensor(v.dy, v.outShape)];
    const f = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
      fused
        ? fusedConvBias(xi as tf.Tensor4D, wi as tf.Tensor4D, bi as tf.Tensor1D, c.stride, c.pad, c.activation)
        : c.activation === 'relu'
          ? tf.relu(tf.add(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, c.stride, c.pad), bi))
          : tf.add(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, c.stride, c.pad), bi);
    const y = f(x, w, b);
    const grads = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(f(xi, wi, bi), dy)))([x, w, b]);
    return [y, ...grads];
  });
  const out = await Promise.all(ts.map(async (t) => Array.from(await t.data())));
  tf.dispose(ts);
  return out;
}

describe('fusedConvBias (cpu)', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  it.each(CASES)('$name: value and x/w/b gradients equal the ops within 1e-6', async (c) => {
    const [fused, ops] = [await run(c, 3, true), await run(c, 3, false)];
    fused.forEach((f, i) => expect(relativeMaxError(f, ops[i])).toBeLessThan(1e-6));
    if (c.activation === 'relu') expect(fused[0].some((v) => v === 0) && fused[0].some((v) => v > 0)).toBe(true); // both sides of the ReLU
    else expect(fused[0].some((v) => v < 0)).toBe(true); // nothing clamped
  });
});

describeIfGpu(gpuSuite('fusedConvBias on webgpu'), () => {
  beforeAll(async () => { await setupWebGpu(); });

  it.each(CASES)('$name: matches the cpu ops reference within 1e-4', async (c) => {
    await tf.setBackend('webgpu');
    const gpu = await run(c, 5, true);
    await tf.setBackend('cpu');
    const ref = await run(c, 5, false);
    await tf.setBackend('webgpu');
    gpu.forEach((g, i) => expect(relativeMaxError(g, ref[i])).toBeLessThan(1e-4));
  });
});
