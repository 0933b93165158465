// sigmoidFocalLoss from class labels [N] (the short form heads use on device backends) against
// the [N,C] one-hot form, on the cpu backend. Tolerances: the loss is bit-identical (the label
// form rewrites BCE and 1 - p_t exactly for one-hot targets); the gradient w.r.t. the logits is
// within 1e-6 of its largest entry (the shorter graph rounds its backward pass differently).
// Then the fused-kernel path (focal-loss-kernel.ts) with float64 reference kernels registered
// on cpu — the analytic forward and gradient the webgpu shaders compute — against the op-by-op
// form under autodiff: loss within 1e-6 relative, gradients (logits, row weights) within 1e-5
// of their largest entry (float32 autodiff vs float64; seen ≤ 6e-7).
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@det/registry';
import { useBackend } from '../testing/tf-backend';
import { relativeMaxError } from '../testing/relative-error';
import { referenceLossKernel, type ReferenceElement } from '../testing/reference-loss-kernel';
import { denseClassTargets } from '../heads/head-utils';
import { sigmoidFocalLoss } from './focal-loss';
import { FOCAL_LOSS_GRAD_KERNEL, FOCAL_LOSS_KERNEL, hasFusedFocalLoss } from './focal-loss-kernel';

const GRAD_RTOL = 1e-6;

beforeAll(async () => {
  await useBackend('cpu');
});

describe('sigmoidFocalLoss from labels', () => {
  const rng = new Rng(21);
  const cases = [
    { C: 3, gamma: 2, alpha: 0.25, reduction: 'mean' as const, avgFactor: 7, weighted: true },
    { C: 5, gamma: 1.5, alpha: 0.3, reduction: 'none' as const, weighted: false },
    { C: 1, gamma: 2, alpha: -1, reduction: 'sum' as const, weighted: true },
  ];
  for (const c of cases) {
    it(`C=${c.C} γ=${c.gamma} α=${c.alpha} ${c.reduction}${c.weighted ? ' weighted' : ''}: same loss, gradient within ${GRAD_RTOL}`, () => {
      const n = 40;
      // large logits too, where a careless 1 - σ(x) would cancel
      const x = tf.tensor2d(Float32Array.from({ length: n * c.C }, () => (rng.next() - 0.5) * 24), [n, c.C]);
      // labels: every class, background (C) and an out-of-range -1
      const labels = Int32Array.from({ length: n }, (_, i) => (i % 7 === 6 ? -1 : i % (c.C + 1)));
      const rowWeight = Float32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : 1 + (i % 3)));
      const opts = (weight?: tf.Tensor) => ({ gamma: c.gamma, alpha: c.alpha, reduction: c.reduction, avgFactor: c.avgFactor, weight });
      const dense = denseClassTargets(labels, rowWeight, c.C);
      const fromLabels = (p: tf.Tensor) => sigmoidFocalLoss(p, tf.tensor1d(labels, 'int32'), opts(c.weighted ? tf.tensor1d(rowWeight) : undefined));
      const fromDense = (p: tf.Tensor) =>
        sigmoidFocalLoss(p, tf.tensor2d(dense.targets, [n, c.C]), opts(c.weighted ? tf.tensor2d(dense.weight, [n, c.C]) : undefined));
      const before = tf.memory().numTensors;
      const [la, lb, ga, gb] = tf.tidy(() => {
        const a = tf.grad((p: tf.Tensor) => tf.sum(fromLabels(p)))(x);
        const b = tf.grad((p: tf.Tensor) => tf.sum(fromDense(p)))(x);
        return [fromLabels(x), fromDense(x), a, b].map((t) => t.dataSync() as Float32Array);
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(la.length).toBe(c.reduction === 'none' ? n * c.C : 1);
      expect(Array.from(la)).toEqual(Array.from(lb));
      expect(relativeMaxError(ga, gb)).toBeLessThanOrEqual(GRAD_RTOL);
      x.dispose();
    });
  }

  it('names a label count that does not match the logits', () => {
    expect(() => sigmoidFocalLoss(tf.zeros([4, 3]), tf.tensor1d([0, 1], 'int32'))).toThrow(/2 labels for 4 rows of pred \[4,3\]/);
  });
});

// The analytic focal loss per element and its derivative, in float64 (what the WGSL computes).
function focalElement(x: number, pos: boolean, gamma: number, alpha: number): { loss: number; grad: number } {
  const z = pos ? -x : x;
  const e = Math.exp(-Math.abs(x));
  const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
  const pc = z >= 0 ? e / (1 + e) : 1 / (1 + e);
  const softplus = Math.max(z, 0) + Math.log1p(e);
  const q = Math.pow(p, gamma);
  const a = alpha >= 0 ? (pos ? alpha : 1 - alpha) : 1;
  const dz = a * q * (p + gamma * softplus * pc);
  return { loss: a * softplus * q, grad: pos ? -dz : dz };
}

/** Element i of [N, C] logits with row labels and row weights (a positive where labels[row] == class). */
const labelsElement: ReferenceElement = (i, v, attrs) => {
  const c = v.pred.length / v.labels.length;
  const row = Math.floor(i / c);
  const r = focalElement(v.pred[i], v.labels[row] === i % c, Number(attrs.gamma), Number(attrs.alpha));
  return { loss: r.loss * v.weight[row], grad: r.grad * v.weight[row] };
};

describe('sigmoidFocalLoss through the fused kernels (float64 reference kernels on cpu)', () => {
  const LOSS_RTOL = 1e-6;
  const FUSED_GRAD_RTOL = 1e-5;
  beforeAll(() => {
    tf.registerKernel({ kernelName: FOCAL_LOSS_KERNEL, backendName: 'cpu', kernelFunc: referenceLossKernel(false, labelsElement) });
    tf.registerKernel({ kernelName: FOCAL_LOSS_GRAD_KERNEL, backendName: 'cpu', kernelFunc: referenceLossKernel(true, labelsElement) });
  });
  afterAll(() => {
    tf.unregisterKernel(FOCAL_LOSS_KERNEL, 'cpu');
    tf.unregisterKernel(FOCAL_LOSS_GRAD_KERNEL, 'cpu');
  });

  const rng = new Rng(5);
  const cases = [
    { C: 3, gamma: 2, alpha: 0.25, reduction: 'mean' as const, avgFactor: 7, weighted: true },
    { C: 5, gamma: 1.5, alpha: 0.3, reduction: 'none' as const, weighted: false },
    { C: 1, gamma: 2, alpha: -1, reduction: 'sum' as const, weighted: true },
    { C: 4, gamma: 0, alpha: 0.25, reduction: 'mean' as const, weighted: true },
    { C: 80, gamma: 2, alpha: 0.25, reduction: 'sum' as const, weighted: false },
  ];
  for (const c of cases) {
    it(`C=${c.C} γ=${c.gamma} α=${c.alpha} ${c.reduction}${c.avgFactor ? ` avgFactor ${c.avgFactor}` : ''}${c.weighted ? ' weighted' : ''}: loss and gradients of logits and weights`, () => {
      expect(hasFusedFocalLoss()).toBe(true);
      const n = 40;
      const x = tf.tensor2d(Float32Array.from({ length: n * c.C }, () => (rng.next() - 0.5) * 24), [n, c.C]);
      const labels = Int32Array.from({ length: n }, (_, i) => (i % 7 === 6 ? -1 : i % (c.C + 1)));
      const rowWeight = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : 1 + (i % 3))));
      const dense = denseClassTargets(labels, c.weighted ? rowWeight.dataSync() as Float32Array : undefined, c.C);
      const opts = (weight?: tf.Tensor) => ({ gamma: c.gamma, alpha: c.alpha, reduction: c.reduction, avgFactor: c.avgFactor, weight });
      const fused = (p: tf.Tensor, w: tf.Tensor) => sigmoidFocalLoss(p, tf.tensor1d(labels, 'int32'), opts(c.weighted ? w : undefined));
      // the op-by-op form ([N,C] targets: their own fused kernel is not registered here); its weight [N,C] is the row weight broadcast
      const opByOp = (p: tf.Tensor, w: tf.Tensor) =>
        sigmoidFocalLoss(p, tf.tensor2d(dense.targets, [n, c.C]), opts(c.weighted ? tf.mul(tf.reshape(w, [n, 1]), tf.ones([1, c.C])) : undefined));
      const before = tf.memory().numTensors;
      const [la, lb, gxa, gxb, gwa, gwb] = tf.tidy(() => {
        // a different dy per element (reduction 'none'), so the gradient's dy input is exercised
        const scalar = (f: typeof fused) => (p: tf.Tensor, w: tf.Tensor) => {
          const l = f(p, w);
          return tf.sum(tf.mul(l, tf.reshape(tf.range(1, 1 + l.size), l.shape)));
        };
        const xs = c.weighted ? [x, rowWeight] : [x];
        const ga = tf.grads(scalar(fused) as (...t: tf.Tensor[]) => tf.Tensor)(xs);
        const gb = tf.grads(scalar(opByOp) as (...t: tf.Tensor[]) => tf.Tensor)(xs);
        return [fused(x, rowWeight), opByOp(x, rowWeight), ga[0], gb[0], ga[1] ?? ga[0], gb[1] ?? gb[0]].map((t) => t.dataSync() as Float32Array);
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(la.length).toBe(c.reduction === 'none' ? n * c.C : 1);
      expect(relativeMaxError(la, lb)).toBeLessThanOrEqual(LOSS_RTOL);
      expect(relativeMaxError(gxa, gxb)).toBeLessThanOrEqual(FUSED_GRAD_RTOL);
      if (c.weighted) expect(relativeMaxError(gwa, gwb)).toBeLessThanOrEqual(FUSED_GRAD_RTOL);
      tf.dispose([x, rowWeight]);
    });
  }

  it('keeps the reduction rules: avgFactor with sum is refused, element weights take the op-by-op path', () => {
    const x = tf.tensor2d([[0.5, -1], [2, 0.1]]);
    const labels = tf.tensor1d([1, 2], 'int32');
    expect(() => sigmoidFocalLoss(x, labels, { reduction: 'sum', avgFactor: 3 })).toThrow(/avgFactor can not be used with reduction 'sum'/);
    const elementWeight = tf.tensor2d([[1, 0], [0.5, 2]]);
    const viaElements = sigmoidFocalLoss(x, labels, { weight: elementWeight, reduction: 'sum' });
    const dense = sigmoidFocalLoss(x, tf.tensor2d([[0, 1], [0, 0]]), { weight: elementWeight, reduction: 'sum' });
    expect(Array.from(viaElements.dataSync())).toEqual(Array.from(dense.dataSync()));
    tf.dispose([x, labels, elementWeight, viaElements, dense]);
  });
});
