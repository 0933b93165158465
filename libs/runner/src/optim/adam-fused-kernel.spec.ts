import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Adam, AdamW } from './adam';

// Adam / AdamW hand the whole update to a backend's 'DetAdamStep' kernel when one is registered
// (docs/contracts.md, "Fused kernels by name"; @det/models has one for webgpu), except with
// amsgrad. Here a cpu stand-in for that kernel records its calls and implements torch's formula
// in float32 steps, and the result must equal the element-wise path (which the torch-parity spec
// checks against PyTorch).

const calls: { inputs: string[]; attrs: Record<string, unknown> }[] = [];

function standIn({ inputs, backend, attrs }: { inputs: Record<string, tf.TensorInfo>; backend: tf.KernelBackend; attrs: Record<string, number | boolean> }): tf.TensorInfo[] {
  calls.push({ inputs: Object.keys(inputs).sort(), attrs: { ...attrs } });
  const read = (t?: tf.TensorInfo) => (t ? (backend.readSync(t.dataId) as Float32Array) : undefined);
  const p = read(inputs.param)!, g = read(inputs.grad)!, m0 = read(inputs.expAvg), v0 = read(inputs.expAvgSq);
  const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = attrs as { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean; step: number };
  const f = Math.fround;
  const [newP, newM, newV] = [0, 1, 2].map(() => new Float32Array(p.length));
  for (let i = 0; i < p.length; i++) {
    let pv = p[i], gv = g[i];
    if (decoupled) pv = f(pv * f(1 - lr * weightDecay));
    else gv = f(gv + f(pv * weightDecay));
    newM[i] = f(f(m0 ? m0[i] * f(beta1) : 0) + f(gv * f(1 - beta1)));
    newV[i] = f(f(v0 ? v0[i] * f(beta2) : 0) + f(f(gv * gv) * f(1 - beta2)));
    const denom = f(f(Math.sqrt(newV[i]) / f(Math.sqrt(1 - Math.pow(beta2, step)))) + f(eps));
    newP[i] = f(pv - f(f(newM[i] / denom) * f(lr / (1 - Math.pow(beta1, step)))));
  }
  const make = (v: Float32Array) => ({ dataId: backend.write(v, inputs.param.shape, 'float32'), shape: inputs.param.shape, dtype: 'float32' as const });
  return [make(newP), make(newM), make(newV)];
}

type Ctor = typeof Adam | typeof AdamW;

function run(Opt: Ctor, options: ConstructorParameters<typeof Adam>[0]): { param: number[]; state: number[][] } {
  const init = tf.tensor1d([0.5, -1, 2]);
  const p = tf.variable(init, true, `p${Math.random()}`);
  init.dispose();
  const opt = new Opt(options, { w: p });
  for (const g of [[0.1, -0.2, 0.3], [-0.4, 0.05, 0.2], [0.3, 0.3, -0.1]]) {
    const gt = tf.tensor1d(g);
    opt.step({ w: gt });
    gt.dispose();
  }
  const out = { param: Array.from(p.dataSync()), state: opt.stateTensors().map((t) => Array.from(t.dataSync())) };
  opt.dispose();
  p.dispose();
  return out;
}

describe('Adam / AdamW with a backend fused-step kernel', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(() => {
    if (tf.getKernel('DetAdamStep', 'cpu')) tf.unregisterKernel('DetAdamStep', 'cpu');
    calls.length = 0;
  });

  it.each([
    { name: 'AdamW, default decay', Opt: AdamW as Ctor, options: { lr: 0.01 } },
    { name: 'AdamW, betas and eps', Opt: AdamW as Ctor, options: { lr: 0.05, betas: [0.8, 0.99] as [number, number], eps: 1e-6, weightDecay: 0.05 } },
    { name: 'Adam, L2 weight decay', Opt: Adam as Ctor, options: { lr: 0.02, weightDecay: 1e-3 } },
    { name: 'Adam, no decay', Opt: Adam as Ctor, options: { lr: 0.1 } },
  ])('$name: the element-wise result, the hyperparameters passed, the moments kept', ({ Opt, options }) => {
    const plain = run(Opt, options);
    tf.registerKernel({ kernelName: 'DetAdamStep', backendName: 'cpu', kernelFunc: standIn as unknown as tf.KernelFunc });
    const before = tf.memory().numTensors;
    const fused = run(Opt, options);
    expect(tf.memory().numTensors).toBe(before);
    expect(calls.map((c) => c.inputs)).toEqual([['grad', 'param'], ['expAvg', 'expAvgSq', 'grad', 'param'], ['expAvg', 'expAvgSq', 'grad', 'param']]);
    expect(calls[2].attrs).toEqual({
      lr: options.lr, beta1: options.betas?.[0] ?? 0.9, beta2: options.betas?.[1] ?? 0.999, eps: options.eps ?? 1e-8, step: 3,
      weightDecay: options.weightDecay ?? (Opt === AdamW ? 0.01 : 0), decoupled: Opt === AdamW,
    });
    fused.param.forEach((v, i) => expect(v).toBeCloseTo(plain.param[i], 6));
    expect(fused.state).toHaveLength(2);
    fused.state.forEach((t, k) => t.forEach((v, i) => expect(v).toBeCloseTo(plain.state[k][i], 6)));
  });

  it('keeps the element-wise path with amsgrad', () => {
    tf.registerKernel({ kernelName: 'DetAdamStep', backendName: 'cpu', kernelFunc: standIn as unknown as tf.KernelFunc });
    run(AdamW, { lr: 0.01, amsgrad: true });
    expect(calls).toHaveLength(0);
  });
});
