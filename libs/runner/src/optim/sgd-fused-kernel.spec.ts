import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { SGD } from './sgd';

// SGD hands the whole update to a backend's 'DetSgdStep' kernel when one is registered
// (docs/contracts.md, "Fused kernels by name"; @det/models has one for webgpu). Here a cpu
// stand-in for that kernel records its calls and implements torch's formula, and the result
// must equal the element-wise path (which the torch-parity spec checks against PyTorch).

const calls: { inputs: string[]; attrs: Record<string, unknown> }[] = [];

function standIn({ inputs, backend, attrs }: { inputs: Record<string, tf.TensorInfo>; backend: tf.KernelBackend; attrs: Record<string, number | boolean> }): tf.TensorInfo[] {
  calls.push({ inputs: Object.keys(inputs).sort(), attrs: { ...attrs } });
  const read = (t?: tf.TensorInfo) => (t ? (backend.readSync(t.dataId) as Float32Array) : undefined);
  const p = read(inputs.param)!, g = read(inputs.grad)!, b = read(inputs.buf);
  const { lr, momentum, dampening, weightDecay, nesterov } = attrs as { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean };
  const newP = new Float32Array(p.length), newB = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) {
    let d = Math.fround(g[i] + Math.fround(weightDecay * p[i]));
    if (momentum !== 0) {
      newB[i] = b ? Math.fround(Math.fround(momentum * b[i]) + Math.fround((1 - dampening) * d)) : d;
      d = nesterov ? Math.fround(d + Math.fround(momentum * newB[i])) : newB[i];
    }
    newP[i] = Math.fround(p[i] - Math.fround(d * lr));
  }
  const make = (v: Float32Array) => ({ dataId: backend.write(v, inputs.param.shape, 'float32'), shape: inputs.param.shape, dtype: 'float32' as const });
  return momentum !== 0 ? [make(newP), make(newB)] : [make(newP)];
}

function run(options: ConstructorParameters<typeof SGD>[0]): { param: number[]; buf: number[] | undefined } {
  const init = tf.tensor1d([0.5, -1, 2]);
  const p = tf.variable(init, true, `p${Math.random()}`);
  init.dispose();
  const opt = new SGD(options, { w: p });
  for (const g of [[0.1, -0.2, 0.3], [-0.4, 0.05, 0.2], [0.3, 0.3, -0.1]]) {
    const gt = tf.tensor1d(g);
    opt.step({ w: gt });
    gt.dispose();
  }
  const buf = opt.stateTensors()[0];
  const out = { param: Array.from(p.dataSync()), buf: buf ? Array.from(buf.dataSync()) : undefined };
  opt.dispose();
  p.dispose();
  return out;
}

describe('SGD with a backend fused-step kernel', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(() => {
    if (tf.getKernel('DetSgdStep', 'cpu')) tf.unregisterKernel('DetSgdStep', 'cpu');
    calls.length = 0;
  });

  it.each([
    { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 },
    { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0 },
    { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 1e-3 },
    { lr: 0.2, weightDecay: 0.01 },
  ])('gives the element-wise result for %j and passes the hyperparameters', (options) => {
    const plain = run(options);
    tf.registerKernel({ kernelName: 'DetSgdStep', backendName: 'cpu', kernelFunc: standIn as unknown as tf.KernelFunc });
    const before = tf.memory().numTensors;
    const fused = run(options);
    expect(tf.memory().numTensors).toBe(before);
    expect(calls).toHaveLength(3);
    const momentum = options.momentum ?? 0;
    // first step has no momentum buffer yet; later ones pass it
    expect(calls.map((c) => c.inputs)).toEqual(momentum ? [['grad', 'param'], ['buf', 'grad', 'param'], ['buf', 'grad', 'param']] : [['grad', 'param'], ['grad', 'param'], ['grad', 'param']]);
    expect(calls[2].attrs).toEqual({ lr: options.lr, momentum, dampening: options.dampening ?? 0, weightDecay: options.weightDecay, nesterov: options.nesterov ?? false });
    fused.param.forEach((v, i) => expect(v).toBeCloseTo(plain.param[i], 6));
    if (momentum) fused.buf!.forEach((v, i) => expect(v).toBeCloseTo(plain.buf![i], 6));
    else expect(fused.buf).toBeUndefined();
  });
});
