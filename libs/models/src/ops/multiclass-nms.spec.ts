import * as tf from '@tensorflow/tfjs-core';
import { multiclassNms } from './multiclass-nms';
import { expectClose } from '../testing/vectors';
import { useBackend } from '../testing/tf-backend';

beforeAll(async () => {
  await useBackend('cpu');
});

// Three boxes, two classes (+ background column). Boxes 0 and 1 overlap with IoU 0.9.
const BOXES = [[0, 0, 10, 10], [0, 0, 10, 9], [50, 50, 60, 60]];
const SCORES = [
  [0.9, 0.05, 0.05],
  [0.8, 0.7, 0.1],
  [0.02, 0.6, 0.3],
];

describe('multiclassNms', () => {
  it('thresholds scores, runs NMS per class and sorts by score', () => {
    const r = multiclassNms(tf.tensor2d(BOXES), tf.tensor2d(SCORES), 0.05, { iouThreshold: 0.5 });
    // Candidates (> 0.05): (0,c0) .9, (1,c0) .8, (1,c1) .7, (2,c1) .6 — (1,c0) is suppressed by (0,c0).
    expect(Array.from(r.labels)).toEqual([0, 1, 1]);
    expectClose(r.scores, [0.9, 0.7, 0.6], 'scores');
    expect(Array.from(r.inds)).toEqual([0, 3, 5]);
    expectClose(r.bboxes, [0, 0, 10, 10, 0, 0, 10, 9, 50, 50, 60, 60], 'boxes');
  });

  it('class-agnostic NMS, maxNum and score factors', () => {
    const agnostic = multiclassNms(tf.tensor2d(BOXES), tf.tensor2d(SCORES), 0.05, { iouThreshold: 0.5, classAgnostic: true });
    expect(Array.from(agnostic.inds)).toEqual([0, 5]);
    const top = multiclassNms(tf.tensor2d(BOXES), tf.tensor2d(SCORES), 0.05, { iouThreshold: 0.5, maxNum: 2 });
    expect(Array.from(top.inds)).toEqual([0, 3]);
    const factored = multiclassNms(tf.tensor2d(BOXES), tf.tensor2d(SCORES), 0.3, { iouThreshold: 0.5, scoreFactors: [0.5, 1, 1] });
    // Box 0 scores become .45/.025: (1,c0) .8 now leads and suppresses (0,c0) .45.
    expect(Array.from(factored.inds)).toEqual([2, 3, 5]);
  });

  it('per-class boxes [n, 4·C] and empty results', () => {
    const perClass = tf.tensor2d(BOXES.map((b) => [...b, ...b.map((v) => v + 100)]));
    const r = multiclassNms(perClass, tf.tensor2d(SCORES), 0.05, { iouThreshold: 0.5 });
    expectClose(r.bboxes.slice(4, 8), [100, 100, 110, 109], 'class-1 box of row 1');
    const none = multiclassNms(tf.tensor2d(BOXES), tf.tensor2d(SCORES), 0.95, { iouThreshold: 0.5 });
    expect(none.labels.length).toBe(0);
    expect(() => multiclassNms(tf.tensor2d([[0, 0, 1, 1, 2]]), tf.tensor2d([[0.5, 0.5]]), 0, { iouThreshold: 0.5 })).toThrow(/do not fit scores/);
  });
});
