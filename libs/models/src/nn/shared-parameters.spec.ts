import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@det/registry';
import { BatchNorm2d, Conv2d, ConvModule, Scale, mapSharedParameters, type Module } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A dense head in miniature: shared convs (GN, BN, plain) on every level, a per-level scale. */
function tinyHead() {
  const rng = new Rng(3);
  const cls = new ConvModule({ inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1, normCfg: { type: 'GN', numGroups: 2 }, rng });
  const bn = new BatchNorm2d({ numFeatures: 4 });
  const out = new Conv2d({ inChannels: 4, outChannels: 3, kernelSize: 3, padding: 1, rng });
  const reg = new Conv2d({ inChannels: 4, outChannels: 2, kernelSize: 1, rng });
  const scales = [0, 1, 2].map((i) => new Scale({ scale: 1 + i / 4 }));
  const modules: Module[] = [cls, bn, out, reg, ...scales];
  const params = Object.fromEntries(modules.flatMap((m, i) => Object.entries(m.parameters()).map(([k, v]) => [`${i}.${k}`, v])));
  const level = (x: tf.Tensor, l: number): [tf.Tensor, tf.Tensor] => [out.forward(bn.forward(cls.forward(x))), scales[l].forward(reg.forward(x))];
  return { shared: [cls, bn, out, reg], params, level, dispose: () => modules.forEach((m) => m.dispose()) };
}

const feats = () => [8, 4, 2].map((s, l) => tf.randomNormal([2, s, s, 4], 0, 1, 'float32', 10 + l));

/** Loss over every level's class output and the box output of levels 0 and 2 only (level 1 has no positives). */
function loss(outs: [tf.Tensor, tf.Tensor][]): tf.Scalar {
  const terms = outs.flatMap(([c, r], l) => [tf.sum(tf.square(c)), ...(l === 1 ? [] : [tf.sum(tf.abs(r))])]);
  return tf.addN(terms) as tf.Scalar;
}

function gradients(shared: boolean) {
  const head = tinyHead();
  const xs = feats();
  const { value, grads } = tf.variableGrads(() => {
    const outs = shared ? mapSharedParameters(head.shared, xs, head.level) : xs.map(head.level);
    return loss(outs);
  }, Object.values(head.params));
  // level 1's scale has no gradient: its only use is left out of the loss
  const names = Object.keys(head.params).filter((n) => grads[head.params[n].name]);
  const byName = Object.fromEntries(names.map((n) => [n, grads[head.params[n].name].dataSync()]));
  const result = { loss: value.dataSync()[0], grads: byName };
  tf.dispose([value, ...Object.values(grads), ...xs]);
  head.dispose();
  return result;
}

describe('mapSharedParameters', () => {
  it('gives the plain loop\'s loss and bit-identical gradients, also for a branch a level leaves out', () => {
    const plain = gradients(false);
    const shared = gradients(true);
    expect(shared.loss).toBe(plain.loss);
    expect(Object.keys(shared.grads)).toEqual(Object.keys(plain.grads));
    for (const name of Object.keys(plain.grads)) {
      expect(Array.from(shared.grads[name])).toEqual(Array.from(plain.grads[name]));
    }
  });

  it('sums each shared parameter\'s gradient in one AddN instead of an Add per further use', async () => {
    const kernels = async (shared: boolean) => {
      const head = tinyHead();
      const xs = feats();
      const profile = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => loss(shared ? mapSharedParameters(head.shared, xs, head.level) : xs.map(head.level)), Object.values(head.params));
        tf.dispose([value, ...Object.values(grads)]);
      });
      tf.dispose(xs);
      head.dispose();
      const count = (name: string) => profile.kernels.filter((k) => k.name === name).length;
      return { add: count('Add'), addN: count('AddN') };
    };
    const plain = await kernels(false);
    const shared = await kernels(true);
    // 9 shared parameters: conv weight, GN γ β, BN γ β, out weight and bias used on 3 levels (2
    // further uses each), reg weight and bias on 2 (level 1's box output is not in the loss) → 16 Adds
    expect(plain.add - shared.add).toBe(16);
    // instead: one AddN per shared parameter
    expect(shared.addN - plain.addN).toBe(9);
  });

  it('frees every view: tensor count unchanged after a tidy step', () => {
    const head = tinyHead();
    const xs = feats();
    const step = () => {
      const { value, grads } = tf.variableGrads(() => loss(mapSharedParameters(head.shared, xs, head.level)), Object.values(head.params));
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(xs);
    head.dispose();
  });

  it('is the plain map without a gradient tape: the layers read their variables, no clones', () => {
    const head = tinyHead();
    const xs = feats();
    const before = tf.memory().numTensors;
    const outs = tf.tidy(() => mapSharedParameters(head.shared, xs, head.level).flat());
    // each level keeps its 2 outputs, nothing else is alive
    expect(tf.memory().numTensors - before).toBe(6);
    const plain = tf.tidy(() => xs.map(head.level).flat());
    outs.forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(plain[i].dataSync())));
    tf.dispose([...outs, ...plain, ...xs]);
    head.dispose();
  });
});
