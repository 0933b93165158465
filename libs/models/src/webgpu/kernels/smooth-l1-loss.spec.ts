import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { programsRun, relativeMaxError, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { l1Loss, smoothL1Loss } from '../../losses/smooth-l1-loss';
import type { ReduceOptions } from '../../losses/reduce';

// det's fused smooth L1 / L1 loss on webgpu against the op-by-op form on the cpu backend under
// autodiff: loss and gradients (pred, target) within 1e-5 relative to the largest reference
// value (float32, another summation order; seen: ≤ 2e-7).
const TOL = 1e-5;

/** kinks: a third of pred equals target (d = 0: PyTorch's gradient 0), a third is target + beta. */
interface Case { name: string; k: number; beta: number; reduction: 'none' | 'mean' | 'sum'; avgFactor?: number; kinks?: boolean }
const CASES: Case[] = [
  { name: 'L1, mean over avgFactor (RetinaNet)', k: 300, beta: 0, reduction: 'mean', avgFactor: 37 },
  { name: 'L1, many partial sums (40 000 elements)', k: 10_000, beta: 0, reduction: 'sum' },
  { name: 'smooth β 1/9, mean over avgFactor', k: 500, beta: 1 / 9, reduction: 'mean', avgFactor: 21 },
  { name: "smooth β 1, 'none'", k: 64, beta: 1, reduction: 'none' },
  { name: 'smooth β 0.5, plain mean', k: 64, beta: 0.5, reduction: 'mean' },
  { name: 'L1 at d = 0', k: 64, beta: 0, reduction: 'sum', kinks: true },
  { name: 'smooth β 0.5 at d = 0 and |d| = β', k: 64, beta: 0.5, reduction: 'none', kinks: true },
];

const loss = (c: Case) => (p: tf.Tensor, t: tf.Tensor) => {
  const opts: ReduceOptions = { reduction: c.reduction, avgFactor: c.avgFactor };
  return c.beta === 0 ? l1Loss(p, t, opts) : smoothL1Loss(p, t, { ...opts, beta: c.beta });
};

async function lossAndGrads(backend: string, c: Case): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const tv = seededValues(c.k * 4, 4);
  const pv = seededValues(c.k * 4, 3).map((v, i) => (!c.kinks ? v * 2 : i % 3 === 0 ? tv[i] : i % 3 === 1 ? tv[i] + c.beta : v * 2));
  const p = tf.tensor2d(pv, [c.k, 4]);
  const t = tf.tensor2d(tv, [c.k, 4]);
  // a different dy per element for 'none'
  const f = (a: tf.Tensor, b: tf.Tensor) => {
    const l = loss(c)(a, b);
    return tf.sum(tf.mul(l, tf.reshape(tf.range(1, 1 + l.size), l.shape)));
  };
  const value = loss(c)(p, t);
  const grads = tf.grads(f as (...x: tf.Tensor[]) => tf.Tensor)([p, t]);
  const out = await Promise.all([value, ...grads].map(async (x) => (await x.data()) as Float32Array));
  tf.dispose([p, t, value, ...grads]);
  return out;
}

describeIfGpu(gpuSuite("det's fused smooth L1 / L1 loss on webgpu vs the op-by-op form on cpu"), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  it.each(CASES)('$name: loss and gradients', async (c) => {
    const cpu = await lossAndGrads('cpu', c);
    const gpu = await lossAndGrads('webgpu', c);
    ['loss', 'd pred', 'd target'].forEach((name, i) => {
      const err = relativeMaxError(gpu[i], cpu[i]);
      if (!(err < TOL)) throw new Error(`${name}: relative error ${err}`);
    });
  });

  it('L1 over avgFactor: one program forward, one backward, no tensor left over', async () => {
    await tf.setBackend('webgpu');
    const c = CASES[0];
    const p = tf.tensor2d(seededValues(c.k * 4, 3), [c.k, 4]);
    const t = tf.tensor2d(seededValues(c.k * 4, 4), [c.k, 4]);
    const before = tf.memory().numTensors;
    const names = programsRun(() => tf.dispose(tf.grad((x: tf.Tensor) => loss(c)(x, t))(p)));
    expect(tf.memory().numTensors).toBe(before);
    expect(names).toEqual(['LossPartialSumsProgram', 'SmoothL1ElementsProgram']);
    tf.dispose([p, t]);
  });
});
