import * as tf from '@tensorflow/tfjs-core';
import { BBOX_SAMPLERS, Rng } from '@det/registry';
import { AssignResult } from '../assigners/assign-result';
import { PseudoSampler } from './pseudo-sampler';
import './pseudo-sampler'; // registers PseudoSampler (the named import is type-only)
import { RandomSampler, randomChoice } from './random-sampler';
import { useBackend } from '../../testing/tf-backend';

beforeAll(async () => {
  await useBackend('cpu');
});

const GT = [[0, 0, 10, 10], [20, 20, 30, 30]];
// Candidate i is the box [i, i, i+5, i+5] so gathered rows are easy to check.
const boxes = (n: number) => tf.tensor2d(Array.from({ length: n }, (_, i) => [i, i, i + 5, i + 5]));
// 10 candidates: positives 1,4,7 (gts 0,1,0), ignored 2, negatives the rest.
const assignResult = () =>
  new AssignResult(2, Int32Array.from([0, 1, -1, 0, 2, 0, 0, 1, 0, 0]), new Float32Array(10), Int32Array.from([-1, 5, -1, -1, 6, -1, -1, 5, -1, -1]));

describe('PseudoSampler', () => {
  it('takes every positive and negative, gathers their boxes and gts', () => {
    const s = BBOX_SAMPLERS.build<PseudoSampler>({ type: 'PseudoSampler' }).sample(assignResult(), boxes(10), tf.tensor2d(GT));
    expect(Array.from(s.posInds)).toEqual([1, 4, 7]);
    expect(Array.from(s.negInds)).toEqual([0, 3, 5, 6, 8, 9]);
    expect(Array.from(s.posAssignedGtInds)).toEqual([0, 1, 0]);
    expect(Array.from(s.posIsGt)).toEqual([0, 0, 0]);
    expect(Array.from(s.posGtLabels!)).toEqual([5, 6, 5]);
    expect(s.posBboxes.arraySync()).toEqual([[1, 1, 6, 6], [4, 4, 9, 9], [7, 7, 12, 12]]);
    expect(s.posGtBboxes.arraySync()).toEqual([GT[0], GT[1], GT[0]]);
    expect(s.negBboxes.shape).toEqual([6, 4]);
    expect(s.bboxes.shape).toEqual([9, 4]);
    s.dispose();
  });
});

describe('RandomSampler', () => {
  it('adds gts as proposals, caps positives at num·posFraction, fills with negatives', () => {
    const sampler = BBOX_SAMPLERS.build<RandomSampler>({ type: 'RandomSampler', num: 6, posFraction: 0.5 }, { args: [new Rng(3)] });
    const ar = assignResult();
    const s = sampler.sample(ar, boxes(10), tf.tensor2d(GT), [5, 6]);
    // Candidates are now [G0, G1, B0..B9]: positives 0,1 (the gts) and 3,6,9.
    expect(ar.gtInds.length).toBe(12);
    expect(Array.from(ar.gtInds.slice(0, 2))).toEqual([1, 2]);
    expect(s.posInds.length).toBe(3);
    expect(s.posInds.every((i) => [0, 1, 3, 6, 9].includes(i))).toBe(true);
    expect(Array.from(s.posInds)).toEqual(Array.from(s.posInds).sort((a, b) => a - b));
    expect(s.negInds.length).toBe(3);
    expect(s.negInds.every((i) => [2, 5, 7, 8, 10, 11].includes(i))).toBe(true);
    s.posInds.forEach((i, k) => expect(s.posIsGt[k]).toBe(i < 2 ? 1 : 0));
    // Each positive's gt box is the gt it was assigned to.
    const gtRows = s.posGtBboxes.arraySync();
    s.posAssignedGtInds.forEach((g, k) => expect(gtRows[k]).toEqual(GT[g]));
    s.dispose();
  });

  it('negPosUb bounds negatives by positives; same seed, same sample', () => {
    const make = (seed: number) => new RandomSampler({ num: 8, posFraction: 0.25, negPosUb: 1, addGtAsProposals: false }, new Rng(seed));
    const a = make(11).sample(assignResult(), boxes(10), tf.tensor2d(GT));
    expect(a.posInds.length).toBe(2);
    expect(a.negInds.length).toBe(2);
    const b = make(11).sample(assignResult(), boxes(10), tf.tensor2d(GT));
    expect(Array.from(b.posInds)).toEqual(Array.from(a.posInds));
    expect(Array.from(b.negInds)).toEqual(Array.from(a.negInds));
    a.dispose();
    b.dispose();
  });

  it('randomChoice is uniform without replacement', () => {
    const rng = new Rng(5);
    const gallery = Int32Array.from([3, 8, 13, 21, 34]);
    const counts = new Map<number, number>();
    const trials = 5000;
    for (let t = 0; t < trials; t++) {
      const pick = randomChoice(gallery, 2, rng);
      expect(new Set(pick).size).toBe(2);
      pick.forEach((v) => counts.set(v, (counts.get(v) ?? 0) + 1));
    }
    // Each member is picked with probability 2/5: expected 2000, sd ≈ 35; allow 5 sd.
    for (const v of gallery) expect(Math.abs((counts.get(v) ?? 0) - 2000)).toBeLessThan(175);
  });

  it('names bad options', () => {
    expect(() => new RandomSampler({ num: -1, posFraction: 0.5 })).toThrow(/'num' must be an integer >= 0/);
    expect(() => new RandomSampler({ num: 4, posFraction: 2 })).toThrow(/'posFraction' must be in \[0, 1\]/);
    expect(() => new RandomSampler({ num: 4, posFraction: 0.5 }).sample(assignResult(), boxes(10), tf.tensor2d(GT))).toThrow(/addGtAsProposals needs gtLabels/);
  });
});
