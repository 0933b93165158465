// sigmoidFocalLoss with [N,C] targets through its fused-kernel path (focal-loss-kernel.ts) with
// float64 reference kernels registered on cpu — the analytic forward and gradients the webgpu
// shaders compute (webgpu/kernels/focal-loss-programs.ts) — against the op-by-op form under
// autodiff (taken here by passing a weight of ones, an exact ×1): loss within 1e-6 relative,
// gradients w.r.t. logits and targets within 1e-5 of their largest entry (float32 autodiff vs
// float64). Targets are one-hot or soft (in [0, 1]).
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@det/registry';
import { useBackend } from '../testing/tf-backend';
import { relativeMaxError } from '../testing/relative-error';
import { referenceLossKernel, type ReferenceElement } from '../testing/reference-loss-kernel';
import { sigmoidFocalLoss, type SigmoidFocalLossOptions } from './focal-loss';
import { FOCAL_TARGETS_GRAD_KERNEL, FOCAL_TARGETS_KERNEL, hasFusedFocalTargets } from './focal-loss-kernel';

const LOSS_RTOL = 1e-6;
const GRAD_RTOL = 1e-5;

/** loss, ∂/∂x and ∂/∂t of BCE(x, t)·(1 − p_t)^γ·α_t in float64. */
function element(x: number, t: number, gamma: number, alpha: number): { loss: number; dx: number; dt: number } {
  const p = 1 / (1 + Math.exp(-x));
  const pc = 1 - p;
  const omp = pc * t + p * (1 - t);
  const bce = Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
  const a = alpha >= 0 ? alpha * t + (1 - alpha) * (1 - t) : 1;
  const q = Math.pow(omp, gamma);
  const slope = gamma === 0 ? 0 : gamma * Math.pow(omp, gamma - 1);
  return {
    loss: bce * q * a,
    dx: a * ((p - t) * q + bce * slope * p * pc * (1 - 2 * t)),
    dt: (alpha >= 0 ? 2 * alpha - 1 : 0) * bce * q + a * (-x * q + bce * slope * (pc - p)),
  };
}

const targetsElement: ReferenceElement = (i, v, attrs) => {
  const r = element(v.pred[i], v.target[i], Number(attrs.gamma), Number(attrs.alpha));
  return { loss: r.loss, grad: attrs.wrt === 'target' ? r.dt : r.dx };
};

beforeAll(async () => {
  await useBackend('cpu');
  tf.registerKernel({ kernelName: FOCAL_TARGETS_KERNEL, backendName: 'cpu', kernelFunc: referenceLossKernel(false, targetsElement) });
  tf.registerKernel({ kernelName: FOCAL_TARGETS_GRAD_KERNEL, backendName: 'cpu', kernelFunc: referenceLossKernel(true, targetsElement) });
});
afterAll(() => {
  tf.unregisterKernel(FOCAL_TARGETS_KERNEL, 'cpu');
  tf.unregisterKernel(FOCAL_TARGETS_GRAD_KERNEL, 'cpu');
});

describe('sigmoidFocalLoss with [N,C] targets through the fused kernels (float64 reference kernels on cpu)', () => {
  const rng = new Rng(8);
  const cases: (SigmoidFocalLossOptions & { C: number; soft: boolean })[] = [
    { C: 9, gamma: 2, alpha: 0.25, reduction: 'sum', soft: false },
    { C: 4, gamma: 2, alpha: 0.25, reduction: 'mean', avgFactor: 6, soft: false },
    { C: 5, gamma: 1.5, alpha: 0.3, reduction: 'none', soft: true },
    { C: 3, gamma: 0, alpha: -1, reduction: 'mean', soft: true },
  ];
  for (const c of cases) {
    it(`C=${c.C} γ=${c.gamma} α=${c.alpha} ${c.reduction}${c.avgFactor ? ` avgFactor ${c.avgFactor}` : ''}${c.soft ? ', soft targets' : ''}: loss and gradients of logits and targets`, () => {
      expect(hasFusedFocalTargets()).toBe(true);
      const n = 30;
      const x = tf.tensor2d(Float32Array.from({ length: n * c.C }, () => (rng.next() - 0.5) * 24), [n, c.C]);
      const t = tf.tensor2d(Float32Array.from({ length: n * c.C }, () => (c.soft ? rng.next() : rng.next() < 0.2 ? 1 : 0)), [n, c.C]);
      const opts = { gamma: c.gamma, alpha: c.alpha, reduction: c.reduction, avgFactor: c.avgFactor };
      // a different dy per element (reduction 'none'), so the gradient's dy input is exercised
      const scalar = (weighted: boolean) => (p: tf.Tensor, target: tf.Tensor) => {
        const l = sigmoidFocalLoss(p, target, { ...opts, weight: weighted ? tf.onesLike(p) : undefined });
        return tf.sum(tf.mul(l, tf.reshape(tf.range(1, 1 + l.size), l.shape)));
      };
      const before = tf.memory().numTensors;
      const [la, lb, gxa, gxb, gta, gtb] = tf.tidy(() => {
        const [fx, ft] = tf.grads(scalar(false) as (...a: tf.Tensor[]) => tf.Tensor)([x, t]);
        const [ox, ot] = tf.grads(scalar(true) as (...a: tf.Tensor[]) => tf.Tensor)([x, t]);
        const fused = sigmoidFocalLoss(x, t, opts);
        const opByOp = sigmoidFocalLoss(x, t, { ...opts, weight: tf.onesLike(x) });
        return [fused, opByOp, fx, ox, ft, ot].map((r) => r.dataSync() as Float32Array);
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(la.length).toBe(c.reduction === 'none' ? n * c.C : 1);
      expect(relativeMaxError(la, lb)).toBeLessThanOrEqual(LOSS_RTOL);
      expect(relativeMaxError(gxa, gxb)).toBeLessThanOrEqual(GRAD_RTOL);
      expect(relativeMaxError(gta, gtb)).toBeLessThanOrEqual(GRAD_RTOL);
      tf.dispose([x, t]);
    });
  }

  it('refuses avgFactor with sum, as the op-by-op form does', () => {
    const [x, t] = [tf.tensor2d([[0.5, -1]]), tf.tensor2d([[0, 1]])];
    expect(() => sigmoidFocalLoss(x, t, { reduction: 'sum', avgFactor: 3 })).toThrow(/avgFactor can not be used with reduction 'sum'/);
    tf.dispose([x, t]);
  });
});
