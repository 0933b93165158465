import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { expectWithin, labelLossAndGrads, programsRun, relativeMaxError, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { sigmoidFocalLoss, type SigmoidFocalLossOptions } from '../../losses/focal-loss';

// det's fused sigmoid focal loss (labels form) on webgpu against the op-by-op form on the cpu
// backend under autodiff: the loss within 1e-5 relative, the gradients (logits, row weights)
// within 1e-5 of their largest entry — float32 with the GPU's exp and another summation order
// (seen: ≤ 8e-7). Logits span ±12, so confident positives and negatives are both exercised.
const TOL = 1e-5;

interface Case { name: string; n: number; c: number; gamma: number; alpha: number; reduction: 'none' | 'mean' | 'sum'; avgFactor?: number; weighted: boolean }
const CASES: Case[] = [
  { name: 'RetinaNet setting: mean over avgFactor, row weights', n: 300, c: 7, gamma: 2, alpha: 0.25, reduction: 'mean', avgFactor: 11, weighted: true },
  { name: 'many partial sums (60 000 elements)', n: 3000, c: 20, gamma: 2, alpha: 0.25, reduction: 'mean', avgFactor: 40, weighted: true },
  { name: "'none', γ 1.5, no weights", n: 50, c: 5, gamma: 1.5, alpha: 0.3, reduction: 'none', weighted: false },
  { name: "'sum', one class, no α", n: 64, c: 1, gamma: 2, alpha: -1, reduction: 'sum', weighted: true },
  { name: "plain 'mean', γ 0", n: 40, c: 4, gamma: 0, alpha: 0.25, reduction: 'mean', weighted: true },
];

function inputs(c: Case) {
  const x = seededValues(c.n * c.c, 7).map((v) => v * 12);
  // every class, background (c) and an ignored -1
  const labels = Int32Array.from({ length: c.n }, (_, i) => (i % 9 === 8 ? -1 : i % (c.c + 1)));
  const weight = Float32Array.from({ length: c.n }, (_, i) => (i % 5 === 0 ? 0 : 1 + (i % 3)));
  return { x, labels, weight };
}

function lossAndGrads(backend: string, c: Case): Promise<Float32Array[]> {
  const { x, labels, weight } = inputs(c);
  const opts = (w?: tf.Tensor): SigmoidFocalLossOptions => ({ gamma: c.gamma, alpha: c.alpha, reduction: c.reduction, avgFactor: c.avgFactor, weight: w });
  return labelLossAndGrads(backend, (p, l, w) => sigmoidFocalLoss(p, l, opts(w)), x, [c.n, c.c], labels, c.weighted ? weight : undefined);
}

describeIfGpu(gpuSuite("det's fused sigmoid focal loss on webgpu vs the op-by-op form on cpu"), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  it.each(CASES)('$name: loss and gradients', async (c) => {
    expectWithin(await lossAndGrads('webgpu', c), await lossAndGrads('cpu', c), ['loss', 'd logits', 'd weights'], TOL);
  });

  // 210 000 × 80 elements: the element-wise programs need more than 65 535 workgroups (tfjs folds
  // the grid), the partial sums ~16 000 elements per workgroup. Every 997th element of the losses
  // and of the gradient against the analytic function in float64; the total against the float64
  // sum of the element losses.
  it('a level of 16.8 M elements (beyond 65 535 workgroups): losses, gradient and total', async () => {
    await tf.setBackend('webgpu');
    const [n, c] = [210_000, 80];
    const x = new Float32Array(n * c);
    for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 2401) / 100 - 12;
    const labels = Int32Array.from({ length: n }, (_, i) => (i % 97 === 0 ? i % c : i % 13 === 0 ? -1 : c));
    const weight = Float32Array.from({ length: n }, (_, i) => 1 + (i % 4) * 0.5);
    const [xt, lt, wt] = [tf.tensor2d(x, [n, c]), tf.tensor1d(labels, 'int32'), tf.tensor1d(weight)];
    const opts = (reduction: 'none' | 'sum'): SigmoidFocalLossOptions => ({ gamma: 2, alpha: 0.25, reduction, weight: wt });
    const elements = sigmoidFocalLoss(xt, lt, opts('none'));
    const total = sigmoidFocalLoss(xt, lt, opts('sum'));
    const grad = tf.grad((p: tf.Tensor) => sigmoidFocalLoss(p, lt, opts('sum')))(xt);
    const [le, lsum, g] = await Promise.all([elements.data(), total.data(), grad.data()]);
    tf.dispose([xt, lt, wt, elements, total, grad]);
    const ref = (i: number) => {
      const pos = labels[Math.floor(i / c)] === i % c;
      const z = pos ? -x[i] : x[i];
      const e = Math.exp(-Math.abs(x[i]));
      const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      const sp = Math.max(z, 0) + Math.log1p(e);
      const a = pos ? 0.25 : 0.75;
      const w = weight[Math.floor(i / c)];
      const dz = a * p * p * (p + 2 * sp * (1 - p));
      return { loss: a * sp * p * p * w, grad: (pos ? -dz : dz) * w };
    };
    const sampled = Array.from({ length: Math.floor((n * c) / 997) }, (_, k) => k * 997).concat([n * c - 1]);
    const pick = (a: ArrayLike<number>) => sampled.map((i) => a[i]);
    expect(relativeMaxError(pick(le), sampled.map((i) => ref(i).loss))).toBeLessThan(TOL);
    expect(relativeMaxError(pick(g), sampled.map((i) => ref(i).grad))).toBeLessThan(TOL);
    let sum = 0;
    for (let i = 0; i < le.length; i++) sum += le[i];
    expect(Math.abs(lsum[0] - sum) / sum).toBeLessThan(TOL);
  }, 120_000);

  it.each([
    [CASES[0], ['LossPartialSumsProgram', 'FocalLossElementsProgram']],
    [CASES[1], ['LossPartialSumsProgram', 'SumDivideProgram', 'FocalLossElementsProgram']],
  ])('%# one or two programs forward (the division by avgFactor inside), one backward, no tensor left over', async (c, programs) => {
    await tf.setBackend('webgpu');
    const { x, labels, weight } = inputs(c);
    const [xt, lt, wt] = [tf.tensor2d(x, [c.n, c.c]), tf.tensor1d(labels, 'int32'), tf.tensor1d(weight)];
    const before = tf.memory().numTensors;
    const names = programsRun(() => tf.dispose(tf.grad((p: tf.Tensor) => sigmoidFocalLoss(p, lt, { weight: wt, avgFactor: c.avgFactor }))(xt)));
    expect(tf.memory().numTensors).toBe(before);
    expect(names).toEqual(programs);
    tf.dispose([xt, lt, wt]);
  });
});
