// The losses' gradients where their formulas have kinks, on the cpu backend (the op-by-op
// forms), against PyTorch's choices there.
// Sigmoid losses: at logits around and exactly at 0, against central differences of the same
// losses computed in float64 here. At x = 0 autodiff takes relu'(0) = 0 and tfjs's |·|'(0) = −1:
// the stable BCE form max(x,0) − x·t + log(1 + e^{−|x|}) then gives σ(0) − t = ½ − t, as PyTorch;
// the focal loss from labels wrote its softplus(z), z = ±x, with |x| and gave the positives +½
// instead of −½ there (found by testing/fused-fuzz-cases.ts: webgpu's fused kernel had it right).
// L1 / smooth L1: at d = pred − target = 0 PyTorch's sign(0) = 0 (tfjs's Abs gradient says −1),
// at |d| = beta smooth L1's linear branch (±1).
// Tolerance: 1e-5 absolute (float32 values of size ≤ 1; the differences are float64).
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../testing/tf-backend';
import { bceWithLogits, sigmoidFocalLoss } from './focal-loss';
import { binaryCrossEntropyLoss } from './cross-entropy-loss';
import { l1Loss, smoothL1Loss } from './smooth-l1-loss';

beforeAll(async () => {
  await useBackend('cpu');
});

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const bce = (x: number, t: number) => Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
const focal = (x: number, t: number, gamma: number, alpha: number) => {
  const oneMinusPt = t ? 1 - sigmoid(x) : sigmoid(x);
  return bce(x, t) * oneMinusPt ** gamma * (alpha < 0 ? 1 : t ? alpha : 1 - alpha);
};
const derivative = (f: (x: number) => number, x: number, h = 1e-6) => (f(x + h) - f(x - h)) / (2 * h);
const LOGITS = [-0, 0, 1e-3, -1e-3, 0.5, -2];

function gradOf(f: (x: tf.Tensor) => tf.Tensor, x: number[], shape: number[]): Float32Array {
  return tf.tidy(() => tf.grad((xi: tf.Tensor) => tf.sum(f(xi)))(tf.tensor(x, shape)).dataSync() as Float32Array);
}

describe('L1 and smooth L1 at their kinks', () => {
  const target = [0, 1, -1, 0.5, 0.5, 0.5];
  const pred = [0, 1, -1, 0.5 + 1 / 8, 0.5 - 1 / 8, 0.7];
  const t = () => tf.tensor2d(target, [1, 6]);

  it('l1Loss: sign(d), 0 where pred equals target', () => {
    const got = gradOf((x) => l1Loss(x, t(), { reduction: 'sum' }), pred, [1, 6]);
    expect(Array.from(got)).toEqual(pred.map((p, i) => Math.sign(p - target[i]) || 0));
  });

  it('smoothL1Loss β 1/8: d/β inside, sign(d) from |d| = β on, 0 at d = 0', () => {
    const beta = 1 / 8;
    const got = gradOf((x) => smoothL1Loss(x, t(), { reduction: 'sum', beta }), pred, [1, 6]);
    pred.forEach((p, i) => {
      const d = p - target[i];
      expect(Math.abs(got[i] - (Math.abs(d) < beta ? d / beta : Math.sign(d)))).toBeLessThan(1e-5);
    });
  });
});

describe('sigmoid losses at logit 0', () => {
  it('bceWithLogits: σ(x) − t for every logit, 0 included', () => {
    for (const t of [0, 1, 0.3]) {
      const got = gradOf((x) => bceWithLogits(x, tf.fill([LOGITS.length], t)), LOGITS, [LOGITS.length]);
      LOGITS.forEach((x, i) => expect(Math.abs(got[i] - derivative((v) => bce(v, t), x))).toBeLessThan(1e-5));
    }
  });

  it('binaryCrossEntropyLoss from labels (the RPN objectness form)', () => {
    // one class: label 0 is it (t = 1), label 1 is background (t = 0)
    const labels = tf.tensor1d(LOGITS.map((_, i) => i % 2), 'int32');
    const got = gradOf((x) => binaryCrossEntropyLoss(x, labels, { reduction: 'sum' }), LOGITS, [LOGITS.length, 1]);
    LOGITS.forEach((x, i) => expect(Math.abs(got[i] - derivative((v) => bce(v, 1 - (i % 2)), x))).toBeLessThan(1e-5));
    labels.dispose();
  });

  it.each([[2, 0.25], [2, -1], [0, 0.25], [1, -1]])('sigmoidFocalLoss γ %d α %d: labels and one-hot targets', (gamma, alpha) => {
    // 2 classes; row i has label i % 3 (2 = background)
    const x = LOGITS.flatMap((v) => [v, -v]);
    const t = x.map((_, j) => (Math.floor(j / 2) % 3 === j % 2 ? 1 : 0));
    const labels = tf.tensor1d(LOGITS.map((_, i) => i % 3), 'int32');
    const oneHot = tf.tensor2d(t, [LOGITS.length, 2]);
    for (const target of [labels, oneHot]) {
      const got = gradOf((xi) => sigmoidFocalLoss(xi, target, { gamma, alpha, reduction: 'sum' }), x, [LOGITS.length, 2]);
      x.forEach((v, j) => expect(Math.abs(got[j] - derivative((u) => focal(u, t[j], gamma, alpha), v))).toBeLessThan(1e-5));
    }
    tf.dispose([labels, oneHot]);
  });
});
