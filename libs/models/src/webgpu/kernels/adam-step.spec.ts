import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { relativeMaxError, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { ADAM_STEP_KERNEL } from './adam-step';

// det's one-kernel Adam / AdamW update on webgpu against torch.optim's formula written out here
// in float64 on the host. 1e-5 relative to the largest entry: ~10 float32 roundings in a row,
// one of them a division by √v + eps.
const TOL = 1e-5;

interface Case { name: string; shape: number[]; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean; step: number; withState: boolean }
const CASES: Case[] = [
  { name: 'AdamW, first step (no moments yet)', shape: [3, 3, 4, 5], lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, decoupled: true, step: 1, withState: false },
  { name: 'AdamW, step 7 with moments', shape: [2, 300], lr: 2e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true, step: 7, withState: true },
  { name: 'Adam, L2 decay, other betas', shape: [1000], lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 1e-3, decoupled: false, step: 3, withState: true },
  { name: 'scalar parameter', shape: [], lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: true, step: 2, withState: true },
];

function reference(c: Case, p: Float32Array, g: Float32Array, m0: Float32Array, v0: Float32Array) {
  const param = new Float64Array(p.length), m = new Float64Array(p.length), v = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    let pv = p[i], gv = g[i];
    if (c.decoupled) pv *= 1 - c.lr * c.weightDecay;
    else gv += c.weightDecay * p[i];
    m[i] = (c.withState ? c.beta1 * m0[i] : 0) + (1 - c.beta1) * gv;
    v[i] = (c.withState ? c.beta2 * v0[i] : 0) + (1 - c.beta2) * gv * gv;
    const mHat = m[i] / (1 - Math.pow(c.beta1, c.step));
    const vHat = v[i] / (1 - Math.pow(c.beta2, c.step));
    param[i] = pv - (c.lr * mHat) / (Math.sqrt(vHat) + c.eps);
  }
  return { param, m, v };
}

describeIfGpu(gpuSuite("det's Adam / AdamW step kernel on webgpu"), () => {
  beforeAll(async () => {
    await setupWebGpu();
    await tf.setBackend('webgpu');
  });

  it.each(CASES)('$name matches torch.optim', async (c) => {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const [p, g, m0] = [1, 2, 3].map((seed) => seededValues(n, seed));
    const v0 = seededValues(n, 4).map((x) => Math.abs(x) * 0.01);
    const inputs: Record<string, tf.Tensor> = { param: tf.tensor(p, c.shape), grad: tf.tensor(g, c.shape) };
    if (c.withState) Object.assign(inputs, { expAvg: tf.tensor(m0, c.shape), expAvgSq: tf.tensor(v0, c.shape) });
    const before = tf.memory().numTensors;
    const attrs = { lr: c.lr, beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weightDecay, decoupled: c.decoupled, step: c.step };
    const out = tf.engine().runKernel(ADAM_STEP_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    expect(out).toHaveLength(3);
    expect(tf.memory().numTensors).toBe(before + 3);
    const ref = reference(c, p, g, m0, v0);
    expect(out.map((t) => t.shape)).toEqual([c.shape, c.shape, c.shape]);
    expect(relativeMaxError(await out[0].data(), ref.param)).toBeLessThan(TOL);
    expect(relativeMaxError(await out[1].data(), ref.m)).toBeLessThan(TOL);
    expect(relativeMaxError(await out[2].data(), ref.v)).toBeLessThan(TOL);
    tf.dispose([...Object.values(inputs), ...out]);
  });
});
