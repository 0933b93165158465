import * as tf from '@tensorflow/tfjs-core';
import { bboxOverlaps } from './iou';
import { bboxOverlapsTyped } from './iou-typed';
import { expectClose } from '../testing/vectors';
import { useBackend } from '../testing/tf-backend';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('bboxOverlapsTyped equals the tensor bboxOverlaps', () => {
  let seed = 42;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  const boxes = (k: number) =>
    Float32Array.from({ length: k * 4 }, (_, i) => (i % 4 < 2 ? rand() * 100 : 0)).map((v, i, arr) =>
      i % 4 < 2 ? v : arr[i - 2] + rand() * 60 * (rand() < 0.05 ? 0 : 1), // a few zero-size boxes
    );
  const a = boxes(40);
  const b = boxes(25);
  const a25 = a.slice(0, 100);

  it.each(['iou', 'iof', 'giou'] as const)('%s, pairwise and aligned', (mode) => {
    const ref = bboxOverlaps(tf.tensor2d(a, [40, 4]), tf.tensor2d(b, [25, 4]), { mode }).dataSync();
    const got = bboxOverlapsTyped(a, b, { mode });
    // Same float32 op sequence as the tfjs ops, so bit-identical.
    expectClose(got, ref, `${mode} pairwise`, { rtol: 0, atol: 0 });
    const refAligned = bboxOverlaps(tf.tensor2d(a25, [25, 4]), tf.tensor2d(b, [25, 4]), { mode, isAligned: true }).dataSync();
    expectClose(bboxOverlapsTyped(a25, b, { mode, isAligned: true }), refAligned, `${mode} aligned`, { rtol: 0, atol: 0 });
  });

  it('handles hand values and errors', () => {
    expectClose(bboxOverlapsTyped([0, 0, 10, 10], [5, 5, 15, 15]), [25 / 175], 'iou');
    expectClose(bboxOverlapsTyped([0, 0, 10, 10], [5, 5, 15, 15], { mode: 'giou' }), [25 / 175 - 50 / 225], 'giou');
    expect(bboxOverlapsTyped([3, 3, 3, 3], [3, 3, 3, 3])[0]).toBe(0);
    expect(() => bboxOverlapsTyped([0, 0, 1], [0, 0, 1, 1])).toThrow(/4 numbers each/);
  });
});
