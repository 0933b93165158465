import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { relativeMaxError, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { SGD_STEP_KERNEL } from './sgd-step';

// det's one-kernel SGD update on webgpu against torch.optim.SGD's formula written out here in
// float64 on the host. 1e-6 relative: one float32 rounding per operation.
const TOL = 1e-6;

interface Case { name: string; shape: number[]; lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean; withBuf: boolean }
const CASES: Case[] = [
  { name: 'plain (no momentum), weight decay', shape: [3, 3, 4, 5], lr: 0.1, momentum: 0, dampening: 0, weightDecay: 1e-2, nesterov: false, withBuf: false },
  { name: 'momentum, first step (buf = d)', shape: [17], lr: 0.01, momentum: 0.9, dampening: 0, weightDecay: 1e-4, nesterov: false, withBuf: false },
  { name: 'momentum with a buffer, dampening', shape: [2, 300], lr: 0.02, momentum: 0.9, dampening: 0.1, weightDecay: 1e-4, nesterov: false, withBuf: true },
  { name: 'nesterov', shape: [1000], lr: 0.05, momentum: 0.8, dampening: 0, weightDecay: 0, nesterov: true, withBuf: true },
  { name: 'scalar parameter', shape: [], lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, withBuf: true },
];

function reference(c: Case, p: Float32Array, g: Float32Array, b: Float32Array): { param: Float64Array; buf: Float64Array } {
  const param = new Float64Array(p.length), buf = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    let d = g[i] + c.weightDecay * p[i];
    if (c.momentum !== 0) {
      buf[i] = c.withBuf ? c.momentum * b[i] + (1 - c.dampening) * d : d;
      d = c.nesterov ? d + c.momentum * buf[i] : buf[i];
    }
    param[i] = p[i] - c.lr * d;
  }
  return { param, buf };
}

describeIfGpu(gpuSuite("det's SGD step kernel on webgpu"), () => {
  beforeAll(async () => {
    await setupWebGpu();
    await tf.setBackend('webgpu');
  });

  it.each(CASES)('$name matches torch.optim.SGD', async (c) => {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const [p, g, b] = [1, 2, 3].map((seed) => seededValues(n, seed));
    const inputs: Record<string, tf.Tensor> = { param: tf.tensor(p, c.shape), grad: tf.tensor(g, c.shape) };
    if (c.withBuf) inputs.buf = tf.tensor(b, c.shape);
    const before = tf.memory().numTensors;
    const out = tf.engine().runKernel(SGD_STEP_KERNEL, inputs, { lr: c.lr, momentum: c.momentum, dampening: c.dampening, weightDecay: c.weightDecay, nesterov: c.nesterov } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    expect(out).toHaveLength(c.momentum !== 0 ? 2 : 1);
    expect(tf.memory().numTensors).toBe(before + out.length);
    const ref = reference(c, p, g, b);
    expect(out[0].shape).toEqual(c.shape);
    expect(relativeMaxError(await out[0].data(), ref.param)).toBeLessThan(TOL);
    if (c.momentum !== 0) expect(relativeMaxError(await out[1].data(), ref.buf)).toBeLessThan(TOL);
    tf.dispose([...Object.values(inputs), ...out]);
  });
});
