import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { expectWithin, labelLossAndGrads, programsRun, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { binaryCrossEntropyLoss, type CrossEntropyOptions } from '../../losses/cross-entropy-loss';

// Sigmoid BCE from labels on webgpu (det's fused focal kernel with γ 0 and no α) against the
// op-by-op form on the cpu backend under autodiff: the loss within 1e-5 relative, the gradients
// (logits, row weights) within 1e-5 of their largest entry (float32 with the GPU's exp and
// another summation order). Labels: every class, background (C), -1 and, where set, ignoreIndex.
const TOL = 1e-5;

interface Case { name: string; n: number; c: number; reduction: 'none' | 'mean' | 'sum'; avgFactor?: number; weighted: boolean; ignoreIndex?: number }
const CASES: Case[] = [
  { name: "the RPN's objectness: one class, mean over avgFactor, row weights", n: 600, c: 1, reduction: 'mean', avgFactor: 256, weighted: true },
  { name: "three classes, 'sum', ignoreIndex 7", n: 90, c: 3, reduction: 'sum', weighted: true, ignoreIndex: 7 },
  { name: "'none', no weights", n: 40, c: 4, reduction: 'none', weighted: false },
  { name: "plain 'mean'", n: 50, c: 2, reduction: 'mean', weighted: true },
];

function inputs(c: Case) {
  const x = seededValues(c.n * c.c, 3).map((v) => v * 12);
  const labels = Int32Array.from({ length: c.n }, (_, i) => (i % 11 === 10 ? -1 : i % 13 === 12 && c.ignoreIndex !== undefined ? c.ignoreIndex : i % (c.c + 1)));
  const weight = Float32Array.from({ length: c.n }, (_, i) => (i % 5 === 0 ? 0 : 1 + (i % 3)));
  return { x, labels, weight };
}

function lossAndGrads(backend: string, c: Case): Promise<Float32Array[]> {
  const { x, labels, weight } = inputs(c);
  const opts = (w?: tf.Tensor): CrossEntropyOptions => ({ reduction: c.reduction, avgFactor: c.avgFactor, weight: w, ignoreIndex: c.ignoreIndex });
  return labelLossAndGrads(backend, (p, l, w) => binaryCrossEntropyLoss(p, l, opts(w)), x, [c.n, c.c], labels, c.weighted ? weight : undefined);
}

describeIfGpu(gpuSuite('sigmoid BCE from labels on webgpu (the fused focal kernel, γ 0) vs the ops on cpu'), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  it.each(CASES)('$name: loss and gradients', async (c) => {
    expectWithin(await lossAndGrads('webgpu', c), await lossAndGrads('cpu', c), ['loss', 'd logits', 'd weights'], TOL);
  });

  it('runs the fused programs, not the ops', async () => {
    await tf.setBackend('webgpu');
    const { x, labels, weight } = inputs(CASES[0]);
    const [xt, lt, wt] = [tf.tensor2d(x, [600, 1]), tf.tensor1d(labels, 'int32'), tf.tensor1d(weight)];
    const names = programsRun(() => tf.dispose(tf.grad((p: tf.Tensor) => binaryCrossEntropyLoss(p, lt, { weight: wt, avgFactor: 256 }))(xt)));
    expect(names.filter((n) => /^(LossPartialSums|SumDivide|FocalLossElements)Program$/.test(n))).toEqual(['LossPartialSumsProgram', 'FocalLossElementsProgram']);
    expect(names.filter((n) => n === 'UnaryOpProgram')).toEqual([]); // no exp / log1p / abs / neg of the op-by-op form
    tf.dispose([xt, lt, wt]);
  });
});
