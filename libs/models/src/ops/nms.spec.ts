import * as tf from '@tensorflow/tfjs-core';
import { argsortDescending, batchedNms, nms } from './nms';
import { loadVectors } from '../testing/vectors';
import { useBackend } from '../testing/tf-backend';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('nms against ops_nms.json', () => {
  const vectors = loadVectors('ops_nms.json');
  const runs = vectors.cases.flatMap((c, i) =>
    (c.inputs.iou_thresholds as number[]).map((thr) => [i, thr, c] as const),
  );
  it.each(runs)('case %i threshold %f', (i, thr, c) => {
    const expected = (c.expected.keep_stable_ties as Record<string, number[]>)[String(thr)];
    if (!expected) throw new Error(`${vectors.file} case ${i}: no keep_stable_ties for threshold ${thr}`);
    const boxes = c.inputs.boxes as number[][];
    const scores = c.inputs.scores as number[];
    // float64 arrays (exactly the vector's numbers) …
    expect(Array.from(nms(boxes, scores, thr))).toEqual(expected);
    // … and float32 tensors, the form the heads use.
    const tb = tf.tensor2d(boxes);
    const ts = tf.tensor1d(scores);
    expect(Array.from(nms(tb, ts, thr))).toEqual(expected);
    tf.dispose([tb, ts]);
    // Where the vector says the raw torchvision order equals the stable order, both must agree.
    const info = (c as unknown as { tie_info: Record<string, { torch_sort_order_equals_stable_order: boolean }> }).tie_info;
    if (info?.[String(thr)]?.torch_sort_order_equals_stable_order) {
      expect(expected).toEqual((c.expected.keep as Record<string, number[]>)[String(thr)]);
    }
  });
});

describe('batchedNms against ops_batched_nms.json', () => {
  const vectors = loadVectors('ops_batched_nms.json');
  it.each(vectors.cases.map((c, i) => [i, c] as const))('case %i', (i, c) => {
    const { boxes, scores, idxs, iou_threshold } = c.inputs as { boxes: number[][]; scores: number[]; idxs: number[]; iou_threshold: number };
    expect(Array.from(batchedNms(boxes, scores, idxs, iou_threshold))).toEqual(c.expected.keep);
    const tb = tf.tensor2d(boxes);
    const tl = tf.tensor1d(idxs, 'int32');
    expect(Array.from(batchedNms(tb, Float32Array.from(scores), tl, iou_threshold))).toEqual(c.expected.keep);
    tf.dispose([tb, tl]);
  });
});

describe('nms details', () => {
  it('suppresses only when IoU is strictly above the threshold', () => {
    // IoU of these two is exactly 0.5 (inter 50 / union 100).
    const boxes = [[0, 0, 10, 7.5], [0, 2.5, 10, 10]];
    expect(Array.from(nms(boxes, [0.9, 0.8], 0.5))).toEqual([0, 1]);
    expect(Array.from(nms(boxes, [0.9, 0.8], 0.49))).toEqual([0]);
  });

  it('breaks score ties by lower index first', () => {
    expect(Array.from(argsortDescending([0.5, 0.7, 0.5, 0.7]))).toEqual([1, 3, 0, 2]);
    const same = [[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]];
    expect(Array.from(nms(same, [0.3, 0.3, 0.3], 0.5))).toEqual([0]);
  });

  it('matches a brute-force reference on random boxes', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const n = 300;
    const boxes: number[][] = [];
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = rand() * 100, y = rand() * 100;
      boxes.push([x, y, x + 5 + rand() * 30, y + 5 + rand() * 30]);
      scores.push(Math.round(rand() * 50) / 50); // many ties on purpose
      labels.push(Math.floor(rand() * 3));
    }
    // Reference: repeatedly take the best remaining box (lowest index on ties), drop what it covers.
    const reference = (sameGroup: (i: number, j: number) => boolean): number[] => {
      const alive = new Set(boxes.map((_, i) => i));
      const keep: number[] = [];
      const iou = (p: number[], q: number[]) => {
        const w = Math.max(0, Math.min(p[2], q[2]) - Math.max(p[0], q[0]));
        const h = Math.max(0, Math.min(p[3], q[3]) - Math.max(p[1], q[1]));
        const inter = w * h;
        return inter / ((p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter);
      };
      while (alive.size) {
        let best = -1;
        for (const i of alive) if (best < 0 || scores[i] > scores[best] || (scores[i] === scores[best] && i < best)) best = i;
        keep.push(best);
        alive.delete(best);
        for (const j of [...alive]) if (sameGroup(best, j) && iou(boxes[best], boxes[j]) > 0.4) alive.delete(j);
      }
      return keep;
    };
    expect(Array.from(nms(boxes, scores, 0.4))).toEqual(reference(() => true));
    expect(Array.from(batchedNms(boxes, scores, labels, 0.4))).toEqual(reference((i, j) => labels[i] === labels[j]));
  });

  it('handles empty input and names mismatched lengths', () => {
    expect(nms([], [], 0.5).length).toBe(0);
    expect(() => nms([[0, 0, 1, 1]], [0.1, 0.2], 0.5)).toThrow(/1 boxes but 2 scores/);
    expect(() => batchedNms([[0, 0, 1, 1]], [0.1], [0, 1], 0.5)).toThrow(/1 scores but 2 labels/);
  });
});

describe('nmsAsync / batchedNmsAsync (tensor inputs read with await data())', () => {
  it('equal the synchronous versions on every vector case', async () => {
    const { nmsAsync, batchedNmsAsync } = await import('./nms-async');
    const vectors = loadVectors('ops_nms.json');
    for (const c of vectors.cases) {
      const boxes = c.inputs.boxes as number[][];
      const scores = c.inputs.scores as number[];
      const labels = scores.map((_, i) => i % 3);
      const [tb, ts, tl] = [tf.tensor2d(boxes), tf.tensor1d(scores), tf.tensor1d(labels, 'int32')];
      for (const thr of c.inputs.iou_thresholds as number[]) {
        expect(Array.from(await nmsAsync(tb, ts, thr))).toEqual(Array.from(nms(tb, ts, thr)));
        expect(Array.from(await batchedNmsAsync(tb, ts, tl, thr))).toEqual(Array.from(batchedNms(boxes, scores, labels, thr)));
      }
      tf.dispose([tb, ts, tl]);
    }
    await expect(nmsAsync(tf.zeros([2, 3]), tf.zeros([2]), 0.5)).rejects.toThrow(/nms: boxes must have shape \[n,4\], got \[2,3\]/);
  });
});
