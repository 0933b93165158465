import * as tf from '@tensorflow/tfjs-core';
import { LOSSES } from '@det/registry';
import { weightReduceLoss, FLOAT32_EPS } from './reduce';
import { crossEntropyLoss, binaryCrossEntropyLoss, CrossEntropyLoss } from './cross-entropy-loss';
import { iouLoss, GIoULoss, IoULoss } from './iou-loss';
import { sigmoidFocalLoss } from './focal-loss';
import { smoothL1Loss } from './smooth-l1-loss';
import { expectClose } from '../testing/vectors';
import { useBackend } from '../testing/tf-backend';

beforeAll(async () => {
  await useBackend('cpu');
});

const TOL = { rtol: 1e-5, atol: 1e-6 };

// Independent float64 references.
const logSoftmax = (row: number[]) => {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

const LOGITS = [[1.2, -0.3, 0.5], [0.1, 2.2, -1.0], [-0.7, 0.4, 0.9], [3.0, -2.0, 0.0]];

describe('weightReduceLoss', () => {
  const loss = () => tf.tensor1d([1, 2, 3, 4]);
  it('weights, then mean / sum / none', () => {
    const w = tf.tensor1d([1, 0, 0.5, 2]);
    expect(weightReduceLoss(loss(), { weight: w, reduction: 'sum' }).dataSync()[0]).toBeCloseTo(1 + 1.5 + 8, 5);
    expect(weightReduceLoss(loss(), { weight: w }).dataSync()[0]).toBeCloseTo(10.5 / 4, 5);
    expectClose(weightReduceLoss(loss(), { weight: w, reduction: 'none' }).dataSync(), [1, 0, 1.5, 8], 'none');
  });
  it('avgFactor divides the sum (mean) and is refused with sum', () => {
    expect(weightReduceLoss(loss(), { avgFactor: 5 }).dataSync()[0]).toBeCloseTo(10 / (5 + FLOAT32_EPS), 6);
    expectClose(weightReduceLoss(loss(), { avgFactor: 5, reduction: 'none' }).dataSync(), [1, 2, 3, 4], 'none+avg');
    expect(() => weightReduceLoss(loss(), { avgFactor: 5, reduction: 'sum' })).toThrow(/avgFactor can not be used with reduction 'sum'/);
    expect(() => weightReduceLoss(loss(), { reduction: 'avg' as never })).toThrow(/got 'avg'/);
  });
});

describe('crossEntropyLoss (softmax)', () => {
  const labels = [0, 1, 2, 1];
  it('matches -log softmax[label], with class weights', () => {
    const ref = LOGITS.map((r, i) => -logSoftmax(r)[labels[i]]);
    const out = crossEntropyLoss(tf.tensor2d(LOGITS), tf.tensor1d(labels, 'int32'), { reduction: 'none' });
    expectClose(out.dataSync(), ref, 'ce none', TOL);
    const cw = [0.5, 2, 1];
    const weighted = crossEntropyLoss(tf.tensor2d(LOGITS), tf.tensor1d(labels, 'int32'), { classWeight: cw });
    // MMDetection 2.x: plain mean of the class-weighted per-sample losses (not PyTorch's weighted mean).
    expectClose(weighted.dataSync(), [ref.reduce((s, x, i) => s + x * cw[labels[i]], 0) / 4], 'ce classWeight', TOL);
  });
  it('ignoreIndex zeroes samples; avgNonIgnore averages over the rest', () => {
    const withIgnored = [0, -100, 2, 1];
    const ref = LOGITS.map((r, i) => (withIgnored[i] === -100 ? 0 : -logSoftmax(r)[withIgnored[i]]));
    const sum = ref.reduce((a, b) => a + b, 0);
    const mean = crossEntropyLoss(tf.tensor2d(LOGITS), tf.tensor1d(withIgnored, 'int32'));
    expectClose(mean.dataSync(), [sum / 4], 'ce mean over all', TOL);
    const nonIgnore = LOSSES.build<CrossEntropyLoss>({ type: 'CrossEntropyLoss', avgNonIgnore: true }).forward(
      tf.tensor2d(LOGITS), tf.tensor1d(withIgnored, 'int32'));
    expectClose(nonIgnore.dataSync(), [sum / (3 + FLOAT32_EPS)], 'ce avgNonIgnore', TOL);
  });
  it('names a label/row count mismatch', () => {
    expect(() => crossEntropyLoss(tf.tensor2d(LOGITS), tf.tensor1d([0, 1], 'int32'))).toThrow(/2 labels for 4 rows/);
  });
});

describe('binaryCrossEntropyLoss (useSigmoid)', () => {
  const bce = (x: number, t: number, pw = 1) => -(pw * t * Math.log(sigmoid(x)) + (1 - t) * Math.log(1 - sigmoid(x)));
  it('expands labels to one-hot; label C (background) is an all-zero row', () => {
    const labels = [0, 3, 2, 1]; // 3 == C: background
    const ref = LOGITS.map((r, i) => r.map((x, c) => bce(x, labels[i] === c ? 1 : 0)));
    const out = binaryCrossEntropyLoss(tf.tensor2d(LOGITS), tf.tensor1d(labels, 'int32'), { reduction: 'none' });
    expectClose(out.dataSync(), ref.flat(), 'bce none', TOL);
    const module = LOSSES.build<CrossEntropyLoss>({ type: 'CrossEntropyLoss', useSigmoid: true, lossWeight: 3 });
    const mean = module.forward(tf.tensor2d(LOGITS), tf.tensor1d(labels, 'int32'));
    expectClose(mean.dataSync(), [(3 * ref.flat().reduce((a, b) => a + b, 0)) / 12], 'bce module mean', TOL);
  });
  it('class weights act as pos_weight; ignored labels drop their rows', () => {
    const labels = [0, -100, 2, 1];
    const pw = [2, 0.5, 3];
    const ref = LOGITS.map((r, i) => (labels[i] === -100 ? [0, 0, 0] : r.map((x, c) => bce(x, labels[i] === c ? 1 : 0, pw[c]))));
    const out = binaryCrossEntropyLoss(tf.tensor2d(LOGITS), tf.tensor1d(labels, 'int32'), { classWeight: pw, reduction: 'sum' });
    expectClose(out.dataSync(), [ref.flat().reduce((a, b) => a + b, 0)], 'bce pos_weight sum', { rtol: 1e-5, atol: 1e-5 });
  });
});

describe('iouLoss / IoU-loss modules', () => {
  const pred = () => tf.tensor2d([[0, 0, 10, 10], [0, 0, 4, 2]]);
  const target = () => tf.tensor2d([[5, 5, 15, 15], [0, 0, 2, 2]]);
  const iou = [25 / 175, 0.5];
  it('linear, square and log modes', () => {
    expectClose(iouLoss(pred(), target(), { mode: 'linear', reduction: 'none' }).dataSync(), iou.map((v) => 1 - v), 'linear', TOL);
    expectClose(iouLoss(pred(), target(), { mode: 'square', reduction: 'none' }).dataSync(), iou.map((v) => 1 - v * v), 'square', TOL);
    const logMean = LOSSES.build<IoULoss>({ type: 'IoULoss' }).forward(pred(), target());
    expectClose(logMean.dataSync(), [iou.reduce((s, v) => s - Math.log(v), 0) / 2], 'log mean', TOL);
  });
  it('all-zero weights short-circuit to a zero that keeps the graph', () => {
    const out = LOSSES.build<GIoULoss>({ type: 'GIoULoss' }).forward(pred(), target(), { weight: tf.zeros([2, 4]) });
    expect(out.dataSync()[0]).toBe(0);
    const g = tf.grad((p: tf.Tensor) => LOSSES.build<GIoULoss>({ type: 'GIoULoss' }).forward(p as tf.Tensor2D, target(), { weight: tf.tensor1d([0, 1]) }))(pred());
    expect(Array.from(g.dataSync().slice(0, 4))).toEqual([0, 0, 0, 0]);
    expect(g.dataSync().slice(4).some((v) => v !== 0)).toBe(true);
  });
  it('all-zero weights: the selected zero has an exactly zero, finite gradient (IoULoss, also degenerate targets)', () => {
    const degenerate = tf.tensor2d([[3, 3, 3, 3], [0, 0, 0, 0]]);
    const f = (p: tf.Tensor) => LOSSES.build<IoULoss>({ type: 'IoULoss' }).forward(p as tf.Tensor2D, degenerate, { weight: tf.zeros([2]), avgFactor: 0 });
    expect(f(pred()).dataSync()[0]).toBe(0);
    expect(Array.from(tf.grad(f)(pred()).dataSync())).toEqual(new Array(8).fill(0));
  });
});

describe('loss gradients', () => {
  it('sigmoid focal loss gradient matches central differences', () => {
    const x = [[1.2, -0.3], [0.1, 2.2], [-0.7, 0.4]];
    const labels = tf.tensor1d([0, 2, 1], 'int32');
    const f = (t: tf.Tensor) => sigmoidFocalLoss(t, labels, { reduction: 'sum' });
    const g = tf.grad(f)(tf.tensor2d(x)).dataSync();
    const flatX = x.flat();
    const h = 1e-2;
    const numeric = flatX.map((_, i) => {
      const p = flatX.slice(); p[i] += h;
      const m = flatX.slice(); m[i] -= h;
      return (f(tf.tensor2d(p, [3, 2])).dataSync()[0] - f(tf.tensor2d(m, [3, 2])).dataSync()[0]) / (2 * h);
    });
    // Central differences err by O(h²·f''') ≈ 1e-4 here; float32 evaluation adds ~1e-5.
    expectClose(g, numeric, 'focal grad', { rtol: 1e-2, atol: 5e-4 });
  });

  it('focal, smooth L1 and GIoU gradients stay finite at extreme inputs', () => {
    const logits = tf.tensor2d([[120, -120, 0], [-95, 95, 30]]);
    const labels = tf.tensor1d([0, 3], 'int32');
    const gFocal = tf.grad((x: tf.Tensor) => sigmoidFocalLoss(x, labels, { gamma: 1.5 }))(logits).dataSync();
    expect(gFocal.every(Number.isFinite)).toBe(true);
    const pred = tf.tensor2d([[0, 0, 10, 10], [5, 5, 5, 5]]); // second box has zero size
    const gGiou = tf.grad((p: tf.Tensor) => new GIoULoss().forward(p as tf.Tensor2D, tf.tensor2d([[0, 0, 10, 10], [0, 0, 4, 4]])))(pred).dataSync();
    expect(gGiou.every(Number.isFinite)).toBe(true);
  });
});

describe('smoothL1Loss gradient', () => {
  it('is d/beta inside beta and sign(d) outside (independent of the forward formula)', async () => {
    await useBackend('cpu');
    const pred = tf.tensor1d([0.2, -0.3, 2.5, -4, 1]);
    const target = tf.tensor1d([0, 0, 0, 0, 0]);
    const beta = 0.5;
    const g = tf.grad((p: tf.Tensor) => smoothL1Loss(p, target, { beta, reduction: 'sum' }))(pred);
    const got = Array.from(await g.data());
    const expected = [0.2 / beta, -0.3 / beta, 1, -1, 1];
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    tf.dispose([pred, target, g]);
  });
});
