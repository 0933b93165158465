import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { BACKBONES, Rng } from '@det/registry';
import { ResNet } from './resnet';
import { TinyNet } from './tiny-net';
import './tiny-net'; // registers TinyNet (the type-only use above is elided)

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ResNet', () => {
  it('ResNet-18 returns stride 4..32 maps with 64..512 channels at outIndices', () => {
    const net = BACKBONES.build<ResNet>({ type: 'ResNet', depth: 18, outIndices: [0, 1, 2, 3], rng: new Rng(0) });
    const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 1);
    const outs = net.forward(x);
    expect(outs.map((o) => o.shape)).toEqual([
      [2, 16, 16, 64],
      [2, 8, 8, 128],
      [2, 4, 4, 256],
      [2, 2, 2, 512],
    ]);
    expect(net.outChannels).toEqual([64, 128, 256, 512]);
    tf.dispose([x, ...outs]);
    const partial = new ResNet({ depth: 18, outIndices: [1, 3], rng: new Rng(0) });
    const y = tf.zeros([1, 32, 32, 3]);
    const outs2 = partial.forward(y);
    expect(outs2.map((o) => o.shape)).toEqual([
      [1, 4, 4, 128],
      [1, 1, 1, 512],
    ]);
    tf.dispose([y, ...outs2]);
    net.dispose();
    partial.dispose();
  });

  it('uses MMDetection parameter names (ResNet-50 bottleneck with downsample)', () => {
    const net = new ResNet({ depth: 50, rng: new Rng(0) });
    const sd = net.stateDict();
    for (const key of ['conv1.weight', 'bn1.running_mean', 'layer1.0.conv1.weight', 'layer1.0.conv3.weight', 'layer1.0.downsample.0.weight', 'layer1.0.downsample.1.running_var', 'layer4.2.bn3.bias']) {
      expect(sd).toHaveProperty([key]);
    }
    expect(sd['layer1.0.conv3.weight'].shape).toEqual([1, 1, 64, 256]);
    expect(sd['layer2.0.conv2.weight'].shape).toEqual([3, 3, 128, 128]);
    // ResNet-50 has 25.5M parameters with its fc head; the backbone without fc has 23.5M
    const count = Object.values(net.parameters()).reduce((s, v) => s + v.size, 0);
    expect(count).toBe(23508032);
    net.dispose();
  });

  it("zero-inits each block's last norm by default (MMDetection's zero_init_residual), so a random ResNet-50 stays bounded", async () => {
    const net = new ResNet({ depth: 50, rng: new Rng(0) });
    const sd = net.stateDict();
    const values = async (k: string) => Array.from(await sd[k].data());
    for (const k of ['layer1.0.bn3.weight', 'layer3.5.bn3.weight', 'layer4.2.bn3.weight']) expect(new Set(await values(k))).toEqual(new Set([0]));
    for (const k of ['bn1.weight', 'layer1.0.bn1.weight', 'layer1.0.bn2.weight', 'layer2.0.downsample.1.weight']) expect(new Set(await values(k))).toEqual(new Set([1]));
    const r18 = new ResNet({ depth: 18, baseChannels: 8, rng: new Rng(0) });
    expect(new Set(await r18.stateDict()['layer2.1.bn2.weight'].data())).toEqual(new Set([0]));
    const plain = new ResNet({ depth: 50, rng: new Rng(0), zeroInitResidual: false });
    expect(new Set(await plain.stateDict()['layer1.0.bn3.weight'].data())).toEqual(new Set([1]));
    // normEval keeps BatchNorm at its initial statistics (identity): without the zero init the
    // residual sums grow block by block (what made RetinaNet diverge at 800×1344)
    net.train(true);
    plain.train(true);
    const x = tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 1);
    const rms = (t: tf.Tensor) => Math.sqrt(tf.mean(tf.square(t)).dataSync()[0]);
    const [a, b] = [net.forward(x), plain.forward(x)];
    const zeroInit = rms(a[3]);
    const without = rms(b[3]);
    expect(zeroInit).toBeLessThan(without / 20);
    tf.dispose([x, ...a, ...b]);
    [net, r18, plain].forEach((n) => n.dispose());
  });

  it('builds the block counts of ResNet-34 and ResNet-101 and rejects other depths', () => {
    const count = (net: ResNet, stage: number) => new Set(Object.keys(net.stateDict()).filter((k) => k.startsWith(`layer${stage}.`)).map((k) => k.split('.')[1])).size;
    const r34 = new ResNet({ depth: 34, baseChannels: 4, rng: new Rng(0) });
    expect([1, 2, 3, 4].map((s) => count(r34, s))).toEqual([3, 4, 6, 3]);
    const r101 = new ResNet({ depth: 101, baseChannels: 2, rng: new Rng(0) });
    expect([1, 2, 3, 4].map((s) => count(r101, s))).toEqual([3, 4, 23, 3]);
    expect(() => new ResNet({ depth: 20 as never })).toThrow(/depth must be one of 18, 34, 50, 101, got 20/);
    expect(() => new ResNet({ depth: 18, outIndices: [4] })).toThrow(/outIndices entry 4 is outside 0..3/);
    r34.dispose();
    r101.dispose();
  });

  it('frozen stages get no gradients and stay in eval mode; normEval keeps BN in eval', () => {
    // baseChannels 8 keeps ResNet-18's structure at 1/64 of the FLOPs (conv gradients are slow on the cpu backend)
    const net = new ResNet({ depth: 18, baseChannels: 8, frozenStages: 1, normEval: false, rng: new Rng(0) });
    net.train(true);
    const names = Object.keys(net.parameters());
    expect(names.some((n) => n.startsWith('conv1') || n.startsWith('bn1.') || n.startsWith('layer1.'))).toBe(false);
    expect(names).toContain('layer2.0.conv1.weight');
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 2);
    const { value, grads } = tf.variableGrads(() => tf.sum(net.forward(x)[3]) as tf.Scalar, Object.values(net.parameters()));
    const gradNames = Object.keys(grads);
    expect(gradNames.length).toBe(names.length);
    expect(Object.keys(net.stateDict()).filter((k) => k.startsWith('layer1.')).every((k) => !net.parameters()[k])).toBe(true);
    // frozen BN stays in eval: its running mean did not move; a trainable stage's did
    expect(net.stateDict()['bn1.running_mean'].dataSync().every((v) => v === 0)).toBe(true);
    expect(net.stateDict()['layer2.0.bn1.running_mean'].dataSync().some((v) => v !== 0)).toBe(true);
    tf.dispose([x, value, ...Object.values(grads)]);
    net.dispose();

    const frozenBn = new ResNet({ depth: 18, baseChannels: 8, normEval: true, rng: new Rng(0) });
    frozenBn.train(true);
    const y = tf.ones([1, 32, 32, 3]);
    tf.dispose(frozenBn.forward(y));
    expect(frozenBn.stateDict()['layer2.0.bn1.running_mean'].dataSync().every((v) => v === 0)).toBe(true);
    y.dispose();
    frozenBn.dispose();
  });
});

describe('TinyNet', () => {
  it('halves the size per stage and reports its channels', () => {
    const net = BACKBONES.build<TinyNet>({ type: 'TinyNet', stageChannels: [8, 16, 32], outIndices: [1, 2], rng: new Rng(0) });
    const x = tf.zeros([2, 64, 64, 3]);
    const outs = net.forward(x);
    expect(outs.map((o) => o.shape)).toEqual([
      [2, 8, 8, 16],
      [2, 4, 4, 32],
    ]);
    expect(net.outChannels).toEqual([16, 32]);
    expect(Object.keys(net.stateDict())).toContain('stages.1.0.conv.weight');
    tf.dispose([x, ...outs]);
    net.dispose();
  });
});
