import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { NECKS, Rng } from '@det/registry';
import { FPN } from './fpn';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const feats = (n = 2) => [tf.zeros([n, 16, 16, 8]), tf.zeros([n, 8, 8, 16]), tf.zeros([n, 4, 4, 32])];

describe('FPN', () => {
  it('builds P3-P7 with extra convs on input (RetinaNet layout)', () => {
    const fpn = NECKS.build<FPN>({ type: 'FPN', inChannels: [8, 16, 32], outChannels: 12, numOuts: 5, addExtraConvs: 'on_input', rng: new Rng(0) });
    const xs = feats();
    const outs = fpn.forward(xs);
    expect(outs.map((o) => o.shape)).toEqual([
      [2, 16, 16, 12], [2, 8, 8, 12], [2, 4, 4, 12], [2, 2, 2, 12], [2, 1, 1, 12],
    ]);
    expect(fpn.stateDict()['fpn_convs.3.conv.weight'].shape).toEqual([3, 3, 32, 12]);
    expect(fpn.stateDict()['fpn_convs.4.conv.weight'].shape).toEqual([3, 3, 12, 12]);
    expect(fpn.stateDict()['lateral_convs.0.conv.weight'].shape).toEqual([1, 1, 8, 12]);
    tf.dispose([...xs, ...outs]);
    fpn.dispose();
  });

  it('starts at startLevel, extra convs on output, and max-pools without extra convs', () => {
    const a = new FPN({ inChannels: [8, 16, 32], outChannels: 4, startLevel: 1, numOuts: 3, addExtraConvs: 'on_output', reluBeforeExtraConvs: true, rng: new Rng(0) });
    const b = new FPN({ inChannels: [8, 16, 32], outChannels: 4, numOuts: 4, rng: new Rng(0) });
    const xs = feats(1);
    const oa = a.forward(xs);
    const ob = b.forward(xs);
    expect(oa.map((o) => o.shape)).toEqual([[1, 8, 8, 4], [1, 4, 4, 4], [1, 2, 2, 4]]);
    expect(a.stateDict()['fpn_convs.2.conv.weight'].shape).toEqual([3, 3, 4, 4]);
    expect(ob.map((o) => o.shape)).toEqual([[1, 16, 16, 4], [1, 8, 8, 4], [1, 4, 4, 4], [1, 2, 2, 4]]);
    // the pooled level subsamples the last output (kernel 1, stride 2)
    const sub = tf.tidy(() => tf.stridedSlice(ob[2], [0, 0, 0, 0], [1, 4, 4, 4], [1, 2, 2, 1]));
    expect(Array.from(ob[3].dataSync())).toEqual(Array.from(sub.dataSync()));
    tf.dispose([...xs, ...oa, ...ob, sub]);
    a.dispose();
    b.dispose();
  });

  it('adds the upsampled coarser lateral (top-down path) — checked with identity-like weights', () => {
    const fpn = new FPN({ inChannels: [1, 1], outChannels: 1, numOuts: 2, rng: new Rng(0) });
    const sd: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(fpn.stateDict())) {
      // 1×1 laterals = identity; 3×3 outputs = centre tap only; zero biases
      if (k.startsWith('lateral_convs') && k.endsWith('weight')) sd[k] = tf.ones(v.shape);
      else if (k.endsWith('weight')) sd[k] = tf.tensor4d([0, 0, 0, 0, 1, 0, 0, 0, 0], [3, 3, 1, 1]);
      else sd[k] = tf.zeros(v.shape);
    }
    fpn.loadStateDict(sd);
    const fine = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const coarse = tf.tensor4d([10], [1, 1, 1, 1]);
    const [p0, p1] = fpn.forward([fine, coarse]);
    expect(Array.from(p0.dataSync())).toEqual([11, 12, 13, 14]);
    expect(Array.from(p1.dataSync())).toEqual([10]);
    tf.dispose([fine, coarse, p0, p1, ...Object.values(sd)]);
    fpn.dispose();
  });

  it('endLevel limits the backbone levels used; on_lateral feeds the first extra conv from the last lateral', () => {
    const xs = feats(1);
    const cut = new FPN({ inChannels: [8, 16, 32], outChannels: 4, endLevel: 2, numOuts: 2, rng: new Rng(0) });
    const oc = cut.forward(xs);
    expect(oc.map((o) => o.shape)).toEqual([[1, 16, 16, 4], [1, 8, 8, 4]]);
    expect(Object.keys(cut.stateDict()).some((k) => k.startsWith('lateral_convs.2'))).toBe(false);
    const lat = new FPN({ inChannels: [8, 16, 32], outChannels: 4, numOuts: 5, addExtraConvs: 'on_lateral', rng: new Rng(0) });
    const ol = lat.forward(xs);
    expect(ol.map((o) => o.shape[1])).toEqual([16, 8, 4, 2, 1]);
    expect(lat.stateDict()['fpn_convs.3.conv.weight'].shape).toEqual([3, 3, 4, 4]);
    expect(() => new FPN({ inChannels: [8, 16, 32], outChannels: 4, numOuts: 2 })).toThrow(/numOuts \(2\) must be ≥ the 3 input levels/);
    expect(() => new FPN({ inChannels: [8, 16], outChannels: 4, numOuts: 3, addExtraConvs: 'on_top' as never })).toThrow(/addExtraConvs must be/);
    tf.dispose([...xs, ...oc, ...ol]);
    cut.dispose();
    lat.dispose();
  });
});
