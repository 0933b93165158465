import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { OPTIMIZERS } from '@det/registry';
import { SGD } from './sgd';
import { Adam, AdamW } from './adam';
import { clipGradNorm } from './clip-grad';
import type { Optimizer } from './optimizer';
import { readToHost } from './state-arrays';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const P0 = [0.5, -1.0, 2.0];
// Gradients of three steps, given (not derived from p) so the hand computation stays simple.
const GRADS = [
  [0.1, -0.2, 0.3],
  [-0.4, 0.05, 0.2],
  [0.3, 0.3, -0.1],
];

function runTf(build: (p: Record<string, tf.Variable>) => Optimizer): number[] {
  const p = tf.variable(tf.tensor1d(P0), true, `p${Math.random()}`);
  const opt = build({ w: p });
  for (const g of GRADS) {
    const gt = tf.tensor1d(g);
    opt.step({ w: gt });
    gt.dispose();
  }
  const out = Array.from(p.dataSync());
  opt.dispose();
  p.dispose();
  return out;
}

function expectClose(actual: number[], expected: number[], tol = 1e-6): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]))));
}

describe('SGD', () => {
  it('matches PyTorch nesterov + weight decay by hand (first buffer = grad)', () => {
    const lr = 0.1, mom = 0.9, wd = 0.01;
    // Hand computation, PyTorch order: d = g + wd p; buf = d | mom buf + d; d = d + mom buf; p -= lr d
    const p = [...P0];
    const buf: (number | undefined)[] = [undefined, undefined, undefined];
    for (const g of GRADS) {
      for (let i = 0; i < 3; i++) {
        const d = g[i] + wd * p[i];
        buf[i] = buf[i] === undefined ? d : mom * buf[i]! + d;
        p[i] -= lr * (d + mom * buf[i]!);
      }
    }
    expectClose(runTf((ps) => new SGD({ lr, momentum: mom, weightDecay: wd, nesterov: true }, ps)), p);
  });

  it('matches plain momentum with dampening by hand', () => {
    const lr = 0.05, mom = 0.8, damp = 0.3;
    const p = [...P0];
    const buf: (number | undefined)[] = [undefined, undefined, undefined];
    for (const g of GRADS) {
      for (let i = 0; i < 3; i++) {
        buf[i] = buf[i] === undefined ? g[i] : mom * buf[i]! + (1 - damp) * g[i];
        p[i] -= lr * buf[i]!;
      }
    }
    expectClose(runTf((ps) => new SGD({ lr, momentum: mom, dampening: damp }, ps)), p);
  });

  it('names unknown options and suggests the camelCase key', () => {
    expect(() => new SGD({ lr: 0.1, weight_decay: 1e-4 } as never, {})).toThrow(
      "optimizer: unknown option 'weight_decay' for SGD (did you mean 'weightDecay'?); options: lr, weightDecay, paramwiseCfg, momentum, dampening, nesterov",
    );
    expect(() => new AdamW({ lr: 0.1, beta: [0.9, 0.99] } as never, {})).toThrow(/unknown option 'beta' for AdamW \(did you mean 'betas'\?\)/);
  });

  it('rejects nesterov without momentum and is registered', () => {
    expect(() => new SGD({ lr: 0.1, nesterov: true }, {})).toThrow(/nesterov needs momentum/);
    expect(OPTIMIZERS.get('SGD')).toBe(SGD);
  });
});

describe('Adam / AdamW', () => {
  function handAdam(lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean, amsgrad: boolean): number[] {
    const p = [...P0];
    const m = [0, 0, 0], v = [0, 0, 0], vmax = [0, 0, 0];
    GRADS.forEach((g, k) => {
      const t = k + 1;
      for (let i = 0; i < 3; i++) {
        let gi = g[i];
        if (decoupled) p[i] *= 1 - lr * wd;
        else gi += wd * p[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        vmax[i] = Math.max(vmax[i], v[i]);
        const vv = amsgrad ? vmax[i] : v[i];
        const denom = Math.sqrt(vv) / Math.sqrt(1 - b2 ** t) + eps;
        p[i] -= (lr / (1 - b1 ** t)) * (m[i] / denom);
      }
    });
    return p;
  }

  it('AdamW: decoupled decay and bias correction', () => {
    expectClose(runTf((ps) => new AdamW({ lr: 0.01, weightDecay: 0.1 }, ps)), handAdam(0.01, 0.9, 0.999, 1e-8, 0.1, true, false));
  });

  it('AdamW with amsgrad and custom betas', () => {
    expectClose(
      runTf((ps) => new AdamW({ lr: 0.02, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.05, amsgrad: true }, ps)),
      handAdam(0.02, 0.8, 0.9, 1e-6, 0.05, true, true),
    );
  });

  it('Adam: L2 decay added to the gradient', () => {
    expectClose(runTf((ps) => new Adam({ lr: 0.01, weightDecay: 0.1 }, ps)), handAdam(0.01, 0.9, 0.999, 1e-8, 0.1, false, false));
  });

  it('AdamW defaults to weightDecay 0.01 like PyTorch', () => {
    const opt = new AdamW({ lr: 0.001 }, {});
    expect(opt.paramGroups).toEqual([]);
    const p = tf.variable(tf.tensor1d([1]));
    expect(new AdamW({ lr: 0.001 }, { p }).paramGroups[0].weightDecay).toBe(0.01);
    p.dispose();
  });
});

describe('paramwiseCfg', () => {
  it('gives custom keys, biases and norms their own lr / decay', () => {
    const names = ['backbone.conv1.weight', 'backbone.bn1.weight', 'backbone.bn1.bias', 'neck.conv.bias', 'head.gn.weight', 'head.fc.weight'];
    const vars = Object.fromEntries(names.map((n) => [n, tf.variable(tf.zeros([2]), true, `${n}${Math.random()}`)]));
    const opt = new SGD(
      { lr: 0.1, momentum: 0.9, weightDecay: 1e-4, paramwiseCfg: { customKeys: { backbone: { lrMult: 0.1 } }, normDecayMult: 0, biasDecayMult: 0, biasLrMult: 2 } },
      vars,
    );
    const groupOf = (n: string) => opt.paramGroups.find((g) => g.params.includes(n))!;
    // custom key wins over the norm / bias rules
    expect(groupOf('backbone.bn1.weight').lr).toBeCloseTo(0.01, 12);
    expect(groupOf('backbone.bn1.weight').weightDecay).toBeCloseTo(1e-4, 12);
    expect(groupOf('neck.conv.bias')).toMatchObject({ lr: 0.2, weightDecay: 0 });
    expect(groupOf('head.gn.weight')).toMatchObject({ lr: 0.1, weightDecay: 0 });
    expect(groupOf('head.fc.weight')).toMatchObject({ lr: 0.1, weightDecay: 1e-4, momentum: 0.9 });
    expect(opt.paramGroups).toHaveLength(4);
    tf.dispose(Object.values(vars));
  });

  it('names an unknown custom-key option', () => {
    expect(() => new SGD({ lr: 0.1, paramwiseCfg: { customKeys: { head: { lr: 1 } as never } } }, {})).toThrow(/customKeys.head: unknown option 'lr'/);
  });
});

describe('clipGradNorm', () => {
  it('scales by maxNorm / total norm over all gradients and returns the norm', async () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
    const before = tf.memory().numTensors;
    const norm = await clipGradNorm(grads, 1);
    expect(norm).toBeCloseTo(5, 6);
    expectClose(Array.from(grads.a.dataSync()), [3 / (5 + 1e-6), 0]);
    expectClose(Array.from(grads.b.dataSync()), [0, 4 / (5 + 1e-6)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(grads));
  });

  it('leaves small gradients alone and supports the infinity norm', async () => {
    const grads = { a: tf.tensor1d([0.3, -0.7]) };
    expect(await clipGradNorm(grads, 10, Infinity)).toBeCloseTo(0.7, 6);
    expectClose(Array.from(grads.a.dataSync()), [0.3, -0.7]);
    expect(await clipGradNorm(grads, 10, 1)).toBeCloseTo(1.0, 6);
    tf.dispose(Object.values(grads));
  });
});

// With a backend's 'DetSumSquares' kernel (docs/contracts.md; @det/models has one for webgpu)
// the 2-norm adds 7 gradients' squares per call; a cpu stand-in records the calls.
describe('clipGradNorm with a fused sum of squares', () => {
  const calls: number[] = [];
  const standIn = ({ inputs, backend }: { inputs: Record<string, tf.TensorInfo>; backend: tf.KernelBackend }) => {
    calls.push(Object.keys(inputs).length);
    let sum = 0;
    for (const t of Object.values(inputs)) for (const v of backend.readSync(t.dataId) as Float32Array) sum += v * v;
    return { dataId: backend.write(Float32Array.of(sum), [], 'float32'), shape: [], dtype: 'float32' };
  };
  afterEach(() => {
    if (tf.getKernel('DetSumSquares', 'cpu')) tf.unregisterKernel('DetSumSquares', 'cpu');
    calls.length = 0;
  });

  it('groups the gradients 7 per call and gives the same norm and clipping', async () => {
    const make = () => Object.fromEntries(Array.from({ length: 9 }, (_, k) => [`g${k}`, tf.tensor1d([k + 1, -(k + 2)])]));
    const plain = make();
    const expected = await clipGradNorm(plain, 5);
    tf.registerKernel({ kernelName: 'DetSumSquares', backendName: 'cpu', kernelFunc: standIn as unknown as tf.KernelFunc });
    const fused = make();
    const before = tf.memory().numTensors;
    expect(await clipGradNorm(fused, 5)).toBeCloseTo(expected, 5);
    expect(calls).toEqual([7, 2]);
    expect(tf.memory().numTensors).toBe(before);
    for (const k of Object.keys(fused)) expectClose(Array.from(fused[k].dataSync()), Array.from(plain[k].dataSync()));
    tf.dispose([...Object.values(plain), ...Object.values(fused)]);
  });
});

// With a backend's 'DetScaleTensors' kernel the clipped gradients are scaled 4 per call; a cpu
// stand-in (element-wise x·scale in float32, as tf.mul computes it) records the calls.
describe('clipGradNorm with a fused scale', () => {
  const calls: number[][] = [];
  const standIn = ({ inputs, backend, attrs }: { inputs: Record<string, tf.TensorInfo>; backend: tf.KernelBackend; attrs: { scale: number } }) => {
    const xs = Object.keys(inputs).sort().map((k) => inputs[k]);
    calls.push(xs.map((x) => x.shape.reduce((a, b) => a * b, 1)));
    return xs.map((x) => {
      const v = Float32Array.from(backend.readSync(x.dataId) as Float32Array, (e) => Math.fround(e * Math.fround(attrs.scale)));
      return { dataId: backend.write(v, x.shape, 'float32'), shape: x.shape, dtype: 'float32' };
    });
  };
  afterEach(() => {
    if (tf.getKernel('DetScaleTensors', 'cpu')) tf.unregisterKernel('DetScaleTensors', 'cpu');
    calls.length = 0;
  });

  it('scales the gradients 4 per call, to the same values as the multiplies, only when clipping', async () => {
    const make = () => Object.fromEntries(Array.from({ length: 9 }, (_, k) => [`g${k}`, tf.tensor1d(Array.from({ length: k + 1 }, (_, i) => (i - k) * 0.7 + 1))]));
    const plain = make();
    const expected = await clipGradNorm(plain, 2);
    tf.registerKernel({ kernelName: 'DetScaleTensors', backendName: 'cpu', kernelFunc: standIn as unknown as tf.KernelFunc });
    const fused = make();
    const before = tf.memory().numTensors;
    expect(await clipGradNorm(fused, 2)).toBe(expected);
    expect(calls).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9]]);
    expect(tf.memory().numTensors).toBe(before);
    for (const k of Object.keys(fused)) expect(Array.from(fused[k].dataSync())).toEqual(Array.from(plain[k].dataSync()));
    calls.length = 0;
    await clipGradNorm(fused, 1e6); // under the limit: nothing scaled
    expect(calls).toEqual([]);
    tf.dispose([...Object.values(plain), ...Object.values(fused)]);
  });
});

describe('optimizer state dict', () => {
  it('round-trips buffers, step counts and group lrs; continuing equals never stopping', () => {
    const full = runTf((ps) => new AdamW({ lr: 0.01 }, ps));
    const p = tf.variable(tf.tensor1d(P0), true, `p${Math.random()}`);
    const a = new AdamW({ lr: 0.01 }, { w: p });
    const g0 = tf.tensor1d(GRADS[0]);
    a.step({ w: g0 });
    a.paramGroups[0].lr = 0.01; // unchanged, but stored
    const sd = a.stateDict();
    expect(sd.state.w.step).toBe(1);
    expect(sd.state.w.expAvg).toMatchObject({ dtype: 'F32', shape: [3] });
    a.dispose();
    const b = new AdamW({ lr: 0.5 }, { w: p });
    b.loadStateDict(JSON.parse(JSON.stringify(sd, (_k, v) => (v instanceof Float32Array ? { __f32: Array.from(v) } : v)), (_k, v) => (v && v.__f32 ? Float32Array.from(v.__f32) : v)));
    expect(b.paramGroups[0].lr).toBe(0.01);
    for (const g of GRADS.slice(1)) {
      const t = tf.tensor1d(g);
      b.step({ w: t });
      t.dispose();
    }
    expectClose(Array.from(p.dataSync()), full, 1e-7);
    b.dispose();
    g0.dispose();
    p.dispose();
  });

  it('stateTensors lists the buffers stateDict reads; readToHost reads them without new tensors', async () => {
    const p = tf.variable(tf.tensor1d([1, 2, 3]));
    const a = new AdamW({ lr: 0.01 }, { w: p });
    expect(a.stateTensors()).toEqual([]);
    const g = tf.tensor1d([0.5, -1, 2]);
    a.step({ w: g });
    const tensors = a.stateTensors();
    expect(tensors.length).toBe(2); // expAvg, expAvgSq (step is a number)
    const before = tf.memory().numTensors;
    await readToHost([...tensors, p]);
    expect(tf.memory().numTensors).toBe(before);
    const sd = a.stateDict();
    // first moment after one step: (1 − β1)·g with β1 = 0.9
    expectClose(Array.from((sd.state.w.expAvg as { data: Float32Array }).data), [0.05, -0.1, 0.2], 1e-7);
    a.dispose();
    tf.dispose([g, p]);
  });

  it('refuses the state of another optimizer type', () => {
    const p = tf.variable(tf.tensor1d([1]));
    const s = new SGD({ lr: 0.1 }, { p }).stateDict();
    expect(() => new AdamW({ lr: 0.1 }, { p }).loadStateDict(s)).toThrow(/saved by SGD/);
    p.dispose();
  });
});
