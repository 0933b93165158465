import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { programsRun, relativeMaxError, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { sigmoidFocalLoss, type SigmoidFocalLossOptions } from '../../losses/focal-loss';

// det's fused sigmoid focal loss with [N,C] targets (MMDetection's py_sigmoid_focal_loss form) on
// webgpu against the op-by-op form on the cpu backend under autodiff: the loss within 1e-5
// relative, the gradients w.r.t. the logits and the targets within 1e-5 of their largest entry
// (float32 with the GPU's exp and another summation order). Logits span ±12; targets are one-hot
// or soft (in [0, 1], which the analytic gradients must also get right).
const TOL = 1e-5;

interface Case { name: string; n: number; c: number; gamma: number; alpha: number; reduction: 'none' | 'mean' | 'sum'; avgFactor?: number; soft: boolean }
const CASES: Case[] = [
  { name: "one-hot, 'sum' (the reference step's form)", n: 400, c: 9, gamma: 2, alpha: 0.25, reduction: 'sum', soft: false },
  { name: 'one-hot, mean over avgFactor, 60 000 elements', n: 3000, c: 20, gamma: 2, alpha: 0.25, reduction: 'mean', avgFactor: 40, soft: false },
  { name: "soft targets, 'none', γ 1.5", n: 50, c: 5, gamma: 1.5, alpha: 0.3, reduction: 'none', soft: true },
  { name: "soft targets, plain 'mean', γ 0, no α", n: 40, c: 4, gamma: 0, alpha: -1, reduction: 'mean', soft: true },
  { name: "soft targets, 'sum', γ 3", n: 64, c: 3, gamma: 3, alpha: 0.25, reduction: 'sum', soft: true },
];

function inputs(c: Case) {
  const x = seededValues(c.n * c.c, 7).map((v) => v * 12);
  const u = seededValues(c.n * c.c, 8);
  const t = u.map((v) => (c.soft ? (v + 1) / 2 : v > 0.8 ? 1 : 0));
  return { x, t };
}

async function lossAndGrads(backend: string, c: Case): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const { x, t } = inputs(c);
  const [xt, tt] = [tf.tensor2d(x, [c.n, c.c]), tf.tensor2d(t, [c.n, c.c])];
  const opts: SigmoidFocalLossOptions = { gamma: c.gamma, alpha: c.alpha, reduction: c.reduction, avgFactor: c.avgFactor };
  // a different dy per element for 'none'
  const f = (p: tf.Tensor, target: tf.Tensor) => {
    const l = sigmoidFocalLoss(p, target, opts);
    return tf.sum(tf.mul(l, tf.reshape(tf.range(1, 1 + l.size), l.shape)));
  };
  const loss = sigmoidFocalLoss(xt, tt, opts);
  const grads = tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)([xt, tt]);
  const out = await Promise.all([loss, ...grads].map(async (r) => (await r.data()) as Float32Array));
  tf.dispose([xt, tt, loss, ...grads]);
  return out;
}

describeIfGpu(gpuSuite("det's fused sigmoid focal loss with [N,C] targets on webgpu vs the op-by-op form on cpu"), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  it.each(CASES)('$name: loss and gradients', async (c) => {
    const cpu = await lossAndGrads('cpu', c);
    const gpu = await lossAndGrads('webgpu', c);
    ['loss', 'd logits', 'd targets'].forEach((name, i) => {
      const err = relativeMaxError(gpu[i], cpu[i]);
      if (!(err < TOL)) throw new Error(`${name}: relative error ${err}`);
    });
  });

  it('one program forward, one backward (logits only), no tensor left over', async () => {
    await tf.setBackend('webgpu');
    const c = CASES[0];
    const { x, t } = inputs(c);
    const [xt, tt] = [tf.tensor2d(x, [c.n, c.c]), tf.tensor2d(t, [c.n, c.c])];
    const before = tf.memory().numTensors;
    const names = programsRun(() => tf.dispose(tf.grad((p: tf.Tensor) => sigmoidFocalLoss(p, tt, { reduction: 'sum' }))(xt)));
    expect(tf.memory().numTensors).toBe(before);
    expect(names).toEqual(['LossPartialSumsProgram', 'FocalTargetsElementsProgram']);
    tf.dispose([xt, tt]);
  });
});
