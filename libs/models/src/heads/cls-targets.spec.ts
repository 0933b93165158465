// The device-friendly training paths of the dense heads (int labels instead of host one-hot
// targets, index-only sampling, cached anchors) against the paths they replace, on the cpu
// backend. Tolerances: losses bit-identical (the label path computes the same float values:
// same targets, same row weights, BCE and 1 - p_t rewritten exactly for one-hot targets);
// gradients within 1e-6 of each tensor's largest entry, since the shorter focal-loss graph
// rounds its backward pass differently (measured 1.1e-7). A wrong label or weight moves the
// losses: dropping the row weights, for one, changes them by ~1e-5 relative (focal-loss
// negatives are tiny), which the exact check catches.
import * as tf from '@tensorflow/tfjs-core';
import { BBOX_ASSIGNERS, BBOX_CODERS, BBOX_SAMPLERS, DETECTORS, Rng } from '@det/registry';
import '../index';
import { useBackend } from '../testing/tf-backend';
import { relativeMaxError } from '../testing/relative-error';
import { SingleStageDetector } from '../detectors/single-stage';
import { meta, syntheticBatch, tinyFcosCfg, tinyRetinaCfg } from '../detectors/__fixtures__/tiny';
import { DetBatch } from '../detectors/types';
import { AssignResult } from '../bbox/assigners/assign-result';
import { RandomSampler } from '../bbox/samplers/random-sampler';
import { focalTargets } from '../losses/focal-loss';
import { anchorTargetsSingle, ImageTargets, TargetComponents } from './anchor-targets';
import { BoundedCache, ClsTargetMode, denseClassTargets } from './head-utils';

const GRAD_RTOL = 1e-6;

beforeAll(async () => {
  await useBackend('cpu');
});

/** Largest |a - b| relative to the largest |b| (the tensor's scale). */

/** Tensors created (even if disposed again) while `fn` runs: tensor ids are consecutive. */
function tensorsMadeDuring(fn: () => void): number {
  const id = () => tf.tidy(() => tf.scalar(0).id);
  const start = id();
  fn();
  return id() - start - 1;
}

/** Three classes; image 1's padShape leaves its last rows/columns of anchors invalid. */
function batch3(): DetBatch {
  const b = syntheticBatch(32, [[[4, 4, 20, 22]], [[12, 8, 30, 28], [2, 14, 12, 30]]], [[2], [1, 0]]);
  b.imgMetas[1] = meta(32, 32, { imgShape: [24, 20, 3], padShape: [24, 20, 3] });
  return b;
}

async function stepWith(cfg: Record<string, unknown>, mode: ClsTargetMode): Promise<{ logVars: Record<string, number>; grads: Record<string, Float32Array> }> {
  const model = DETECTORS.build<SingleStageDetector>(cfg as never);
  (model.bboxHead as unknown as { clsTargets: ClsTargetMode }).clsTargets = mode;
  const before = tf.memory().numTensors;
  const out = await model.trainStep(batch3());
  const grads: Record<string, Float32Array> = {};
  for (const [k, g] of Object.entries(out.grads!)) grads[k] = (await g.data()) as Float32Array;
  tf.dispose(Object.values(out.grads!));
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
  return { logVars: out.logVars, grads };
}

async function expectSameStep(makeCfg: () => Record<string, unknown>): Promise<void> {
  const host = await stepWith(makeCfg(), 'host');
  const labels = await stepWith(makeCfg(), 'labels');
  expect(labels.logVars).toEqual(host.logVars);
  expect(Object.keys(labels.grads).sort()).toEqual(Object.keys(host.grads).sort());
  const worst = Math.max(...Object.keys(host.grads).map((key) => relativeMaxError(labels.grads[key], host.grads[key])));
  expect(worst).toBeLessThanOrEqual(GRAD_RTOL);
  // the class gradient is not trivially zero, so the comparison above means something
  const clsBias = Object.keys(host.grads).find((k) => /(retina_cls|conv_cls)\.bias$/.test(k))!;
  expect(Math.max(...Array.from(host.grads[clsBias], Math.abs))).toBeGreaterThan(1e-4);
}

describe('class targets as int labels (device path) vs dense host one-hot', () => {
  it('RetinaHead with FocalLoss: same losses and gradients', async () => {
    await expectSameStep(() => tinyRetinaCfg(3));
  });

  it('AnchorHead with sampled sigmoid CrossEntropyLoss (RandomSampler, same seed): same losses and gradients', async () => {
    await expectSameStep(() => {
      const cfg = tinyRetinaCfg(3);
      const head = cfg.bboxHead as Record<string, unknown>;
      cfg.bboxHead = { ...head, lossCls: { type: 'CrossEntropyLoss', useSigmoid: true, lossWeight: 1 } };
      cfg.trainCfg = { ...(cfg.trainCfg as object), sampler: { type: 'RandomSampler', num: 24, posFraction: 0.5, addGtAsProposals: false, rng: new Rng(5) } };
      return cfg;
    });
  });

  it('FCOSHead: same losses and gradients', async () => {
    await expectSameStep(() => tinyFcosCfg(3));
  });

  it('focalTargets expands labels exactly as the host one-hot (background C and -1 give zero rows)', () => {
    for (const C of [1, 3]) {
      const labels = Int32Array.from([0, C, -1, C - 1, 0]);
      const t = focalTargets(tf.tensor1d(labels, 'int32'), C);
      expect(t.dtype).toBe('float32');
      expect(Array.from(t.dataSync())).toEqual(Array.from(denseClassTargets(labels, undefined, C).targets));
      t.dispose();
    }
  });
});

describe('anchor targets without tensors', () => {
  // 3×3 grid of 8×8 anchors at stride 6 (overlapping), the last row invalid
  const anchors = Float32Array.from({ length: 36 }, (_, i) => {
    const a = Math.floor(i / 4);
    const [x, y] = [(a % 3) * 6, Math.floor(a / 3) * 6];
    return [x, y, x + 8, y + 8][i % 4];
  });
  const validFlags = Uint8Array.from([1, 1, 1, 1, 1, 1, 0, 0, 0]);
  const inputs = { anchors, validFlags, gtBboxes: Float32Array.from([1, 1, 9, 9, 6, 5, 14, 14]), gtLabels: Int32Array.from([4, 2]), numClasses: 5, regDecodedBbox: false, posWeight: -1 };
  const parts = (sampler: Record<string, unknown>): TargetComponents => ({
    assigner: BBOX_ASSIGNERS.build({ type: 'MaxIoUAssigner', posIouThr: 0.5, negIouThr: 0.3, minPosIou: 0 }) as TargetComponents['assigner'],
    sampler: BBOX_SAMPLERS.build(sampler) as TargetComponents['sampler'],
    coder: BBOX_CODERS.build({ type: 'DeltaXYWHBBoxCoder' }) as TargetComponents['coder'],
  });
  /** The same sampler seen through its tensor interface only. */
  const tensorOnly = (p: TargetComponents): TargetComponents => ({ ...p, sampler: { sample: p.sampler.sample.bind(p.sampler) } });

  for (const sampler of [{ type: 'PseudoSampler' }, { type: 'RandomSampler', num: 4, posFraction: 0.5, addGtAsProposals: false }]) {
    it(`${sampler.type}: sampleData gives what the tensor path gives, and makes no tensor`, () => {
      const seeded = () => parts({ ...sampler, ...(sampler.type === 'RandomSampler' ? { rng: new Rng(9) } : {}) });
      const before = tf.memory().numTensors;
      let viaTensors!: ImageTargets;
      expect(tensorsMadeDuring(() => (viaTensors = anchorTargetsSingle(inputs, tensorOnly(seeded()))))).toBeGreaterThan(0);
      let viaData!: ImageTargets;
      expect(tensorsMadeDuring(() => (viaData = anchorTargetsSingle(inputs, seeded())))).toBe(0);
      expect(tf.memory().numTensors).toBe(before);
      expect(viaData.posInds.length).toBeGreaterThan(0);
      expect(Array.from(viaData.labels)).toEqual(Array.from(viaTensors.labels));
      expect(Array.from(viaData.labelWeights)).toEqual(Array.from(viaTensors.labelWeights));
      expect(Array.from(viaData.posInds)).toEqual(Array.from(viaTensors.posInds));
      expect(Array.from(viaData.posTargets)).toEqual(Array.from(viaTensors.posTargets));
      expect(viaData.numNeg).toBe(viaTensors.numNeg);
      // invalid anchors (last row) are neither positive nor negative
      expect(Array.from(viaData.labelWeights.subarray(6))).toEqual([0, 0, 0]);
    });
  }

  it('RandomSampler.sampleData with addGtAsProposals draws what sample draws and extends the assignment the same way', () => {
    const gtInds = () => Int32Array.from([0, 1, -1, 0, 2, 0, 0, 1, 0, 0]);
    const labels = Int32Array.from([5, 6]);
    const make = () => new RandomSampler({ num: 6, posFraction: 0.5 }, new Rng(3));
    const a = new AssignResult(2, gtInds(), new Float32Array(10), Int32Array.from([-1, 5, -1, -1, 6, -1, -1, 5, -1, -1]));
    const b = new AssignResult(2, gtInds(), new Float32Array(10), Int32Array.from([-1, 5, -1, -1, 6, -1, -1, 5, -1, -1]));
    const boxes = tf.tensor2d(Array.from({ length: 10 }, (_, i) => [i, i, i + 5, i + 5]));
    const gts = tf.tensor2d([[0, 0, 10, 10], [20, 20, 30, 30]]);
    const viaTensors = make().sample(a, boxes, gts, labels);
    const viaData = make().sampleData(b, 2, labels);
    expect(viaData.gtsPrepended).toBe(true);
    expect(Array.from(viaData.posInds)).toEqual(Array.from(viaTensors.posInds));
    expect(Array.from(viaData.negInds)).toEqual(Array.from(viaTensors.negInds));
    expect(Array.from(viaData.posAssignedGtInds)).toEqual(Array.from(viaTensors.posAssignedGtInds));
    expect(Array.from(b.gtInds)).toEqual(Array.from(a.gtInds));
    viaTensors.dispose();
    tf.dispose([boxes, gts]);
  });
});

describe('per-size caches', () => {
  it('BoundedCache makes each key once and drops the oldest beyond its size', () => {
    const cache = new BoundedCache<number[]>(2);
    let made = 0;
    const get = (k: string) => cache.get(k, () => [++made]);
    const a = get('a');
    expect(get('a')).toBe(a);
    get('b');
    get('c'); // drops 'a'
    expect(made).toBe(3);
    expect(get('a')).not.toBe(a);
    expect(made).toBe(4);
  });

  it('a head that switches input sizes gives the losses of fresh heads at each size', async () => {
    const b32 = batch3();
    const b48 = syntheticBatch(48);
    const fresh = async (b: DetBatch) => {
      const m = DETECTORS.build<SingleStageDetector>(tinyRetinaCfg(3) as never);
      const out = (await m.valStep(b)).logVars;
      m.dispose();
      return out;
    };
    const [want32, want48] = [await fresh(b32), await fresh(b48)];
    const model = DETECTORS.build<SingleStageDetector>(tinyRetinaCfg(3) as never);
    for (const [b, want] of [[b32, want32], [b48, want48], [b32, want32]] as const) {
      const got = (await model.valStep(b)).logVars;
      expect(got).toEqual(want);
    }
    model.dispose();
  });
});
