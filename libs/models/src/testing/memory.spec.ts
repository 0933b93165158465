// Every tensor op of ops/, losses/, anchors/ and bbox/ must leave no tensors behind.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@det/registry';
import { useBackend } from './tf-backend';
import { bboxOverlaps, boxIou, generalizedBoxIou } from '../ops/iou';
import { batchedNms, nms } from '../ops/nms';
import { roiAlign } from '../ops/roi-align';
import { sigmoidFocalLoss, FocalLoss } from '../losses/focal-loss';
import { smoothL1Loss, l1Loss, SmoothL1Loss, L1Loss } from '../losses/smooth-l1-loss';
import { giouLoss, iouLoss, GIoULoss, IoULoss } from '../losses/iou-loss';
import { crossEntropyLoss, binaryCrossEntropyLoss, CrossEntropyLoss } from '../losses/cross-entropy-loss';
import { AnchorGenerator } from '../anchors/anchor-generator';
import { MlvlPointGenerator } from '../anchors/point-generator';
import { DeltaXYWHBBoxCoder } from '../bbox/coders/delta-xywh-bbox-coder';
import { DistancePointBBoxCoder } from '../bbox/coders/distance-point-bbox-coder';
import { MaxIoUAssigner } from '../bbox/assigners/max-iou-assigner';
import { RandomSampler } from '../bbox/samplers/random-sampler';
import { PseudoSampler } from '../bbox/samplers/pseudo-sampler';

beforeAll(async () => {
  await useBackend('cpu');
});

const REPEATS = 50;

describe('tensor bookkeeping', () => {
  let a: tf.Tensor2D, b: tf.Tensor2D, scores: tf.Tensor1D, labels: tf.Tensor1D, feats: tf.Tensor4D, rois: tf.Tensor2D;
  let logits: tf.Tensor2D, cls: tf.Tensor1D, weight: tf.Tensor1D, points: tf.Tensor2D;
  let zeroWeight: tf.Tensor1D, ceLabels: tf.Tensor1D, deltas: tf.Tensor2D, ignore: tf.Tensor2D, twoGts: tf.Tensor2D;

  beforeAll(() => {
    a = tf.tensor2d([[0, 0, 10, 10], [5, 5, 20, 25], [30, 30, 40, 45]]);
    b = tf.tensor2d([[1, 1, 9, 12], [6, 4, 22, 20], [29, 33, 41, 44]]);
    scores = tf.tensor1d([0.9, 0.5, 0.7]);
    labels = tf.tensor1d([0, 1, 0], 'int32');
    feats = tf.randomNormal([1, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    rois = tf.tensor2d([[0, 1, 1, 12, 14], [0, 0, 3, 20, 9]]);
    logits = tf.tensor2d([[1, -2, 0.5], [0.3, 0.2, -1], [2, 1, 0]]);
    cls = tf.tensor1d([0, 3, 2], 'int32');
    weight = tf.tensor1d([1, 0.5, 2]);
    points = tf.tensor2d([[5, 5], [12, 15], [35, 38]]);
    zeroWeight = tf.zeros([3]);
    ceLabels = tf.tensor1d([0, 2, -100], 'int32');
    deltas = tf.tensor2d([[0.1, -0.2, 0.3, 5], [0, 0, -6, 0], [0.5, 0.5, 0.1, 0.1]]);
    ignore = tf.tensor2d([[28, 28, 42, 46]]);
    twoGts = tf.tensor2d([[1, 1, 9, 12], [6, 4, 22, 20]]);
  });

  const cases: [string, () => unknown][] = [
    ['boxIou', () => boxIou(a, b)],
    ['generalizedBoxIou', () => generalizedBoxIou(a, b)],
    ['bboxOverlaps iof', () => bboxOverlaps(a, b, { mode: 'iof' })],
    ['bboxOverlaps giou aligned', () => bboxOverlaps(a, b, { mode: 'giou', isAligned: true })],
    ['nms', () => nms(a, scores, 0.5)],
    ['batchedNms', () => batchedNms(a, scores, labels, 0.5)],
    ['roiAlign', () => roiAlign(feats, rois, { outputSize: 3, spatialScale: 0.5 })],
    ['roiAlign (gather)', () => roiAlign(feats, rois, { outputSize: 3, spatialScale: 0.5, impl: 'gather' })],
    ['roiAlign gradient (gather)', () => tf.grad((f: tf.Tensor) => tf.sum(roiAlign(f as tf.Tensor4D, rois, { outputSize: 3, impl: 'gather' })))(feats)],
    ['roiAlign gradient', () => tf.grad((f: tf.Tensor) => tf.sum(roiAlign(f as tf.Tensor4D, rois, { outputSize: 3 })))(feats)],
    ['sigmoidFocalLoss', () => sigmoidFocalLoss(logits, cls, { weight })],
    ['FocalLoss', () => new FocalLoss().forward(logits, cls, { avgFactor: 2 })],
    ['focal gradient', () => tf.grad((x: tf.Tensor) => sigmoidFocalLoss(x, cls))(logits)],
    ['smoothL1Loss', () => smoothL1Loss(a, b, { beta: 0.5 })],
    ['SmoothL1Loss', () => new SmoothL1Loss().forward(a, b)],
    ['l1Loss', () => l1Loss(a, b, { reduction: 'none' })],
    ['L1Loss', () => new L1Loss().forward(a, b)],
    ['giouLoss', () => giouLoss(a, b)],
    ['GIoULoss', () => new GIoULoss().forward(a, b, { weight })],
    ['GIoULoss zero weight', () => new GIoULoss().forward(a, b, { weight: zeroWeight })],
    ['iouLoss', () => iouLoss(a, b, { mode: 'square' })],
    ['IoULoss', () => new IoULoss().forward(a, b)],
    ['crossEntropyLoss', () => crossEntropyLoss(logits, ceLabels, { classWeight: [1, 2, 3], avgNonIgnore: true })],
    ['binaryCrossEntropyLoss', () => binaryCrossEntropyLoss(logits, cls, { weight, classWeight: [1, 2, 3] })],
    ['CrossEntropyLoss', () => new CrossEntropyLoss({ useSigmoid: true }).forward(logits, cls)],
    ['AnchorGenerator.gridPriors', () => new AnchorGenerator({ strides: [4, 8], ratios: [0.5, 1], scales: [8] }).gridPriors([[4, 4], [2, 2]])],
    ['MlvlPointGenerator.gridPriors', () => new MlvlPointGenerator({ strides: [4] }).gridPriors([[3, 3]], { withStride: true })],
    ['DeltaXYWHBBoxCoder.encode', () => new DeltaXYWHBBoxCoder({ targetStds: [0.1, 0.1, 0.2, 0.2] }).encode(a, b)],
    ['DeltaXYWHBBoxCoder.decode', () => new DeltaXYWHBBoxCoder({ addCtrClamp: true }).decode(a, deltas, { maxShape: [30, 30] })],
    ['DistancePointBBoxCoder', () => { const c = new DistancePointBBoxCoder(); return tf.tidy(() => c.decode(points, c.encode(points, a, { maxDis: 10 }), { maxShape: [40, 40] })); }],
    ['MaxIoUAssigner', () => new MaxIoUAssigner({ posIouThr: 0.5, negIouThr: 0.4, ignoreIofThr: 0.5 }).assign(a, twoGts, ignore, [1, 2])],
    ['RandomSampler', () => {
      const ar = new MaxIoUAssigner({ posIouThr: 0.3, negIouThr: 0.3 }).assign(a, b, undefined, [0, 1, 2]);
      const s = new RandomSampler({ num: 4, posFraction: 0.5 }, new Rng(1)).sample(ar, a, b, [0, 1, 2]);
      s.dispose();
    }],
    ['PseudoSampler', () => {
      const ar = new MaxIoUAssigner({ posIouThr: 0.3, negIouThr: 0.3 }).assign(a, b);
      new PseudoSampler().sample(ar, a, b).dispose();
    }],
  ];

  it.each(cases)('%s keeps tf.memory().numTensors flat', (name, run) => {
    run(); // warm-up: lets tfjs create any one-off internal tensors
    const before = tf.memory().numTensors;
    for (let i = 0; i < REPEATS; i++) {
      const out = run();
      tf.dispose(out as tf.Tensor | tf.Tensor[]);
    }
    expect(tf.memory().numTensors - before).toBe(0);
  });
});
