// sigmoidFocalLoss from class labels [N] (the short form heads use on device backends) against
// the [N,C] one-hot form, on the cpu backend. Tolerances: the loss is bit-identical (the label
// form rewrites BCE and 1 - p_t exactly for one-hot targets); the gradient w.r.t. the logits is
// within 1e-6 of its largest entry (the shorter graph rounds its backward pass differently).
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@det/registry';
import { useBackend } from '../testing/tf-backend';
import { denseClassTargets } from '../heads/head-utils';
import { sigmoidFocalLoss } from './focal-loss';

const GRAD_RTOL = 1e-6;

beforeAll(async () => {
  await useBackend('cpu');
});

function maxScaledDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return worst === 0 ? 0 : worst / scale;
}

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
      expect(maxScaledDiff(ga, gb)).toBeLessThanOrEqual(GRAD_RTOL);
      x.dispose();
    });
  }

  it('names a label count that does not match the logits', () => {
    expect(() => sigmoidFocalLoss(tf.zeros([4, 3]), tf.tensor1d([0, 1], 'int32'))).toThrow(/2 labels for 4 rows of pred \[4,3\]/);
  });
});
