// smoothL1Loss / l1Loss through the fused-kernel path (smooth-l1-kernel.ts) with float64
// reference kernels registered on cpu — the analytic forward and gradient the webgpu shaders
// compute — against the op-by-op form under autodiff (taken here by passing a weight of ones,
// an exact ×1): loss within 1e-6 relative, gradients (pred and target) within 1e-6 of their
// largest entry (float32 autodiff vs float64). At exactly d = 0 and |d| = beta, where the
// derivative jumps, PyTorch's choices: sign(0) = 0; at |d| = beta the linear branch's 1 (tfjs's
// minimum, first operand when equal, gives the same).
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../testing/tf-backend';
import { relativeMaxError } from '../testing/relative-error';
import { referenceLossKernel, type ReferenceElement } from '../testing/reference-loss-kernel';
import { l1Loss, smoothL1Loss } from './smooth-l1-loss';
import { hasFusedSmoothL1, SMOOTH_L1_GRAD_KERNEL, SMOOTH_L1_KERNEL } from './smooth-l1-kernel';
import type { ReduceOptions } from './reduce';

const LOSS_RTOL = 1e-6;
const GRAD_RTOL = 1e-6;

const smoothElement: ReferenceElement = (i, v, attrs) => element(v.pred[i] - v.target[i], Number(attrs.beta));

function element(d: number, beta: number): { loss: number; grad: number } {
  const a = Math.abs(d);
  const s = Math.sign(d);
  if (beta === 0) return { loss: a, grad: s };
  const inner = Math.min(a, beta);
  return { loss: (0.5 * inner * inner) / beta + Math.max(a - beta, 0), grad: s * (a <= beta ? a / beta : 1) };
}

beforeAll(async () => {
  await useBackend('cpu');
  tf.registerKernel({ kernelName: SMOOTH_L1_KERNEL, backendName: 'cpu', kernelFunc: referenceLossKernel(false, smoothElement) });
  tf.registerKernel({ kernelName: SMOOTH_L1_GRAD_KERNEL, backendName: 'cpu', kernelFunc: referenceLossKernel(true, smoothElement) });
});

afterAll(() => {
  tf.unregisterKernel(SMOOTH_L1_KERNEL, 'cpu');
  tf.unregisterKernel(SMOOTH_L1_GRAD_KERNEL, 'cpu');
});

describe('smooth L1 / L1 through the fused kernels (float64 reference kernels on cpu)', () => {
  const cases = [
    { name: 'L1, mean over avgFactor (RetinaNet)', beta: 0, reduction: 'mean' as const, avgFactor: 13 },
    { name: 'L1, none', beta: 0, reduction: 'none' as const },
    { name: 'smooth β 1/9, sum', beta: 1 / 9, reduction: 'sum' as const },
    { name: 'smooth β 1, plain mean', beta: 1, reduction: 'mean' as const },
    { name: 'smooth β 0.5, mean over avgFactor', beta: 0.5, reduction: 'mean' as const, avgFactor: 3 },
  ];
  for (const c of cases) {
    it(`${c.name}: loss and gradients of pred and target`, () => {
      expect(hasFusedSmoothL1()).toBe(true);
      const k = 50;
      // differences on both sides of ±beta, and a few exact zeros (d = 0)
      const p = tf.tensor2d(Float32Array.from({ length: k * 4 }, (_, i) => (i % 17 === 0 ? 0.25 : Math.sin(i * 1.7) * 2)), [k, 4]);
      const t = tf.tensor2d(Float32Array.from({ length: k * 4 }, (_, i) => (i % 17 === 0 ? 0.25 : Math.cos(i * 0.3) * 0.5)), [k, 4]);
      const ones = tf.ones([k, 4]);
      const fn = c.beta === 0 ? l1Loss : (a: tf.Tensor, b: tf.Tensor, o: ReduceOptions) => smoothL1Loss(a, b, { ...o, beta: c.beta });
      const opts = (weight?: tf.Tensor): ReduceOptions => ({ reduction: c.reduction, avgFactor: c.avgFactor, weight });
      const scalar = (w?: tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) => {
        const l = fn(a, b, opts(w));
        return tf.sum(tf.mul(l, tf.reshape(tf.range(1, 1 + l.size), l.shape)));
      };
      const before = tf.memory().numTensors;
      const [la, lb, gpa, gpb, gta, gtb] = tf.tidy(() => {
        const ga = tf.grads(scalar() as (...x: tf.Tensor[]) => tf.Tensor)([p, t]);
        const gb = tf.grads(scalar(ones) as (...x: tf.Tensor[]) => tf.Tensor)([p, t]);
        return [fn(p, t, opts()), fn(p, t, opts(ones)), ga[0], gb[0], ga[1], gb[1]].map((x) => x.dataSync() as Float32Array);
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(la.length).toBe(c.reduction === 'none' ? k * 4 : 1);
      expect(relativeMaxError(la, lb)).toBeLessThanOrEqual(LOSS_RTOL);
      expect(relativeMaxError(gpa, gpb)).toBeLessThanOrEqual(GRAD_RTOL);
      expect(relativeMaxError(gta, gtb)).toBeLessThanOrEqual(GRAD_RTOL);
      tf.dispose([p, t, ones]);
    });
  }

  it('keeps the reduction rules: avgFactor with sum is refused', () => {
    const [p, t] = [tf.tensor2d([[1, 2]]), tf.tensor2d([[0, 0]])];
    expect(() => l1Loss(p, t, { reduction: 'sum', avgFactor: 2 })).toThrow(/avgFactor can not be used with reduction 'sum'/);
    tf.dispose([p, t]);
  });
});
