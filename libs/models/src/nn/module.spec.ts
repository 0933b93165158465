import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { DetError, Rng } from '@det/registry';
import { BatchNorm2d, Conv2d, ConvModule, GroupNorm, Linear, Sequential } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Module tree', () => {
  it('names parameters and buffers with dotted paths like PyTorch', () => {
    const rng = new Rng(1);
    const net = new Sequential([
      new ConvModule({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, normCfg: { type: 'BN' }, rng }),
      new ConvModule({ inChannels: 4, outChannels: 4, kernelSize: 1, normCfg: { type: 'GN', numGroups: 2 }, rng }),
      new Linear({ inFeatures: 4, outFeatures: 2, rng }),
    ]);
    expect(Object.keys(net.stateDict()).sort()).toEqual(
      [
        '0.conv.weight', '0.bn.weight', '0.bn.bias', '0.bn.running_mean', '0.bn.running_var', '0.bn.num_batches_tracked',
        '1.conv.weight', '1.gn.weight', '1.gn.bias', '2.weight', '2.bias',
      ].sort(),
    );
    expect(Object.keys(net.parameters())).not.toContain('0.bn.running_mean');
    expect(net.stateDict()['0.conv.weight'].shape).toEqual([3, 3, 3, 4]);
    net.dispose();
  });

  it('is deterministic for a given seed', () => {
    const a = new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, rng: new Rng(5) });
    const b = new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, rng: new Rng(5) });
    expect(a.weight.arraySync()).toEqual(b.weight.arraySync());
    // He-normal fan_out: std = sqrt(2 / (3*3*3)).
    const big = new Conv2d({ inChannels: 64, outChannels: 64, kernelSize: 3, rng: new Rng(2) });
    const std = Math.sqrt(tf.tidy(() => tf.moments(big.weight).variance.dataSync()[0]));
    expect(std).toBeCloseTo(Math.sqrt(2 / (9 * 64)), 2);
    [a, b, big].forEach((m) => m.dispose());
  });

  it('loadStateDict: strict throws with the keys, non-strict loads what fits and reports', () => {
    const rng = new Rng(3);
    const src = new ConvModule({ inChannels: 2, outChannels: 4, kernelSize: 3, normCfg: { type: 'BN' }, rng });
    const dst = new ConvModule({ inChannels: 2, outChannels: 4, kernelSize: 3, normCfg: { type: 'BN' }, rng });
    const sd = { ...src.stateDict() };
    const extra = tf.zeros([1]);
    const wrong = tf.zeros([4, 1]);
    const bad: Record<string, tf.Tensor> = { ...sd, 'head.extra': extra, 'bn.bias': wrong };
    delete bad['bn.running_var'];
    let err: unknown;
    try {
      dst.loadStateDict(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DetError);
    expect((err as Error).message).toMatch(/missing keys \(1\): bn.running_var/);
    expect((err as Error).message).toMatch(/unexpected keys \(1\): head.extra/);
    expect((err as Error).message).toMatch(/shape mismatch for bn.bias: model \[4\], checkpoint \[4,1\]/);
    // strict failure changes nothing
    expect(dst.conv.weight.arraySync()).not.toEqual(src.conv.weight.arraySync());
    const report = dst.loadStateDict(bad, { strict: false });
    expect(report).toEqual({ missing: ['bn.running_var'], unexpected: ['head.extra'], mismatched: [{ key: 'bn.bias', expected: [4], got: [4, 1] }] });
    expect(dst.conv.weight.arraySync()).toEqual(src.conv.weight.arraySync());
    // the loaded variable is a copy: disposing the source keeps it alive
    src.dispose();
    expect(dst.conv.weight.isDisposed).toBe(false);
    expect(dst.conv.weight.dataSync().length).toBe(3 * 3 * 2 * 4);
    [extra, wrong].forEach((t) => t.dispose());
    dst.dispose();
  });

  it('dispose frees every variable', () => {
    const before = tf.memory().numTensors;
    const m = new ConvModule({ inChannels: 2, outChannels: 4, kernelSize: 3, normCfg: { type: 'BN' }, rng: new Rng(0) });
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('norm layers', () => {
  it('BatchNorm2d normalises with batch stats in training and updates running stats (unbiased var)', () => {
    const bn = new BatchNorm2d({ numFeatures: 2, momentum: 0.1 });
    const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 6, 60], [2, 1, 2, 2]);
    const y = bn.forward(x);
    // channel 0: values 1,2,3,6 → mean 3, biased var 3.5, unbiased 14/3
    const y0 = tf.tidy(() => tf.slice(tf.reshape(y, [4, 2]), [0, 0], [4, 1]).dataSync());
    const want = [1, 2, 3, 6].map((v) => (v - 3) / Math.sqrt(3.5 + 1e-5));
    want.forEach((w, i) => expect(y0[i]).toBeCloseTo(w, 4));
    expect(bn.runningMean.dataSync()[0]).toBeCloseTo(0.3, 5);
    expect(bn.runningVar.dataSync()[0]).toBeCloseTo(0.9 + 0.1 * (14 / 3), 5);
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(1);
    bn.eval();
    const z = bn.forward(x);
    expect(z.dataSync()[0]).toBeCloseTo((1 - 0.3) / Math.sqrt(0.9 + 1.4 / 3 + 1e-5), 4);
    [x, y, z].forEach((t) => t.dispose());
    bn.dispose();
  });

  it('BatchNorm2d training gradients match the unfused formula (x - μ)·rsqrt(σ² + ε)·γ + β', () => {
    const bn = new BatchNorm2d({ numFeatures: 3 });
    bn.loadStateDict({ ...bn.stateDict(), weight: tf.tensor1d([1.5, -0.5, 2]), bias: tf.tensor1d([0.1, 0.2, -0.3]) });
    const x = tf.randomNormal([2, 3, 4, 3], 0, 2, 'float32', 11);
    const w = tf.randomNormal([2, 3, 4, 3], 0, 1, 'float32', 12);
    const fused = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const y = tf.batchNorm(xx as tf.Tensor4D, tf.moments(xx, [0, 1, 2]).mean as tf.Tensor1D, tf.moments(xx, [0, 1, 2]).variance as tf.Tensor1D, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5);
      return tf.sum(tf.mul(y, w));
    });
    const manual = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(xx, [0, 1, 2]);
      return tf.sum(tf.mul(tf.add(tf.mul(tf.mul(tf.sub(xx, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b), w));
    });
    const args = [x, bn.weight, bn.bias];
    const a = fused(args);
    const m = manual(args);
    a.forEach((t, i) => Array.from(t.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(m[i].dataSync()[j], 3)));
    // and the layer itself is the fused form
    const y = bn.forward(x);
    const yManual = tf.tidy(() => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), bn.weight), bn.bias);
    });
    Array.from(y.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(yManual.dataSync()[j], 4));
    tf.dispose([x, w, y, yManual, ...a, ...m]);
    bn.dispose();
  });

  it('GroupNorm normalises each group of each sample', () => {
    const gn = new GroupNorm({ numGroups: 1, numChannels: 2 });
    const x = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
    const y = gn.forward(x).dataSync();
    const sd = Math.sqrt(1.25 + 1e-5);
    [1, 2, 3, 4].forEach((v, i) => expect(y[i]).toBeCloseTo((v - 2.5) / sd, 4));
    x.dispose();
    gn.dispose();
  });

  it('frozen BatchNorm (requiresGrad false) exposes no trainable parameters', () => {
    const bn = new BatchNorm2d({ numFeatures: 3, requiresGrad: false });
    expect(Object.keys(bn.parameters())).toEqual([]);
    expect(Object.keys(bn.stateDict())).toContain('weight');
    bn.dispose();
  });
});

describe('Conv2d', () => {
  it('matches a hand-computed 3×3 convolution with padding and stride', () => {
    const conv = new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, stride: 2, padding: 1, rng: new Rng(0) });
    conv.loadStateDict({ weight: tf.ones([3, 3, 1, 1]), bias: tf.tensor1d([0.5]) });
    const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
    const y = conv.forward(x);
    expect(y.shape).toEqual([1, 2, 2, 1]);
    // each output sums the in-bounds part of its 3×3 window (zero padding) plus the bias
    const want = [0 + 1 + 4 + 5, 1 + 2 + 3 + 5 + 6 + 7, 4 + 5 + 8 + 9 + 12 + 13, 5 + 6 + 7 + 9 + 10 + 11 + 13 + 14 + 15].map((v) => v + 0.5);
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    x.dispose();
    y.dispose();
    conv.dispose();
  });
});
