import * as tf from '@tensorflow/tfjs-core';
import { bboxOverlaps, boxIou, generalizedBoxIou } from './iou';
import { expectClose, flat, loadVectors } from '../testing/vectors';
import { useBackend } from '../testing/tf-backend';

// float32 inputs (coordinates ≲ 100) carry ~4e-6 absolute rounding per coordinate; IoU is a
// ratio of areas, so a 1e-6 absolute floor on values in [-1, 1] covers it with margin.
const TOL = { rtol: 1e-5, atol: 1e-6 };

beforeAll(async () => {
  await useBackend('cpu');
});

describe('boxIou / generalizedBoxIou against ops_box_iou.json', () => {
  const vectors = loadVectors('ops_box_iou.json');
  it.each(vectors.cases.map((c, i) => [i, c] as const))('case %i', (i, c) => {
    const a = tf.tensor2d(c.inputs.boxes1 as number[][]);
    const b = tf.tensor2d(c.inputs.boxes2 as number[][]);
    const iou = boxIou(a, b);
    const giou = generalizedBoxIou(a, b);
    expect(iou.shape).toEqual([a.shape[0], b.shape[0]]);
    expectClose(iou.dataSync(), flat(c.expected.box_iou), `${vectors.file} case ${i} box_iou`, TOL);
    expectClose(giou.dataSync(), flat(c.expected.generalized_box_iou), `${vectors.file} case ${i} giou`, TOL);
    // bboxOverlaps agrees with torchvision for these non-degenerate boxes (eps only bounds the union).
    expectClose(bboxOverlaps(a, b).dataSync(), flat(c.expected.box_iou), `case ${i} bboxOverlaps iou`, TOL);
    expectClose(bboxOverlaps(a, b, { mode: 'giou' }).dataSync(), flat(c.expected.generalized_box_iou), `case ${i} bboxOverlaps giou`, TOL);
    tf.dispose([a, b, iou, giou]);
  });
});

describe('bboxOverlaps (MMDetection semantics)', () => {
  // Hand-computed: a=[0,0,10,10], b=[5,5,15,15] → inter 25, union 175; enclosing 15×15=225.
  const a = () => tf.tensor2d([[0, 0, 10, 10], [0, 0, 4, 2]]);
  const b = () => tf.tensor2d([[5, 5, 15, 15], [0, 0, 2, 2]]);

  it('iou, iof and giou pairwise', () => {
    const iou = bboxOverlaps(a(), b()).arraySync() as number[][];
    expect(iou[0][0]).toBeCloseTo(25 / 175, 6);
    expect(iou[0][1]).toBeCloseTo(4 / 100, 6);
    expect(iou[1][1]).toBeCloseTo(4 / 8, 6);
    const iof = bboxOverlaps(a(), b(), { mode: 'iof' }).arraySync() as number[][];
    expect(iof[0][0]).toBeCloseTo(25 / 100, 6);
    expect(iof[1][1]).toBeCloseTo(4 / 8, 6);
    const giou = bboxOverlaps(a(), b(), { mode: 'giou' }).arraySync() as number[][];
    expect(giou[0][0]).toBeCloseTo(25 / 175 - (225 - 175) / 225, 6);
    // [0,0,4,2] vs [5,5,15,15]: no overlap, union 108, enclosing 15×15.
    expect(giou[1][0]).toBeCloseTo(0 - (225 - 108) / 225, 6);
  });

  it('aligned pairs', () => {
    const iou = bboxOverlaps(a(), b(), { isAligned: true });
    expect(iou.shape).toEqual([2]);
    expectClose(iou.dataSync(), [25 / 175, 0.5], 'aligned iou', TOL);
    const giou = bboxOverlaps(a(), b(), { isAligned: true, mode: 'giou' });
    expectClose(giou.dataSync(), [25 / 175 - 50 / 225, 0.5], 'aligned giou', TOL);
  });

  it('eps bounds the union of degenerate boxes (0 instead of NaN)', () => {
    const z = tf.tensor2d([[3, 3, 3, 3]]);
    expect(bboxOverlaps(z, z).dataSync()[0]).toBe(0);
    expect(Number.isNaN(boxIou(z, z).dataSync()[0])).toBe(true);
  });

  it('empty inputs give empty results and bad shapes are named', () => {
    expect(bboxOverlaps(tf.zeros([0, 4]) as tf.Tensor2D, b()).shape).toEqual([0, 2]);
    expect(bboxOverlaps(tf.zeros([0, 4]) as tf.Tensor2D, tf.zeros([0, 4]) as tf.Tensor2D, { isAligned: true }).shape).toEqual([0]);
    expect(() => boxIou(tf.zeros([2, 3]) as tf.Tensor2D, b())).toThrow(/'a' must have shape \[n,4\].*\[2,3\]/);
    expect(() => bboxOverlaps(a(), tf.zeros([3, 4]) as tf.Tensor2D, { isAligned: true })).toThrow(/isAligned/);
  });
});
