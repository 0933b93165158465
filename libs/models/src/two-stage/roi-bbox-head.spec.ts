import * as tf from '@tensorflow/tfjs-core';
import { HEADS } from '@det/registry';
import '../index';
import { Shared2FCBBoxHead } from './shared2fc-bbox-head';
import { multiclassNms } from './multiclass-nms';
import { meta } from '../detectors/__fixtures__/tiny';
import { useBackend } from '../testing/tf-backend';

beforeAll(async () => {
  await useBackend('cpu');
});

const head = (regClassAgnostic = false) =>
  HEADS.build<Shared2FCBBoxHead>({ type: 'Shared2FCBBoxHead', inChannels: 2, fcOutChannels: 4, roiFeatSize: 2, numClasses: 2, regClassAgnostic });

describe('Shared2FCBBoxHead / RoIBBoxHead', () => {
  it('forward equals the plain Linear layers on the channel-first flattening', () => {
    const h = head();
    const x = tf.randomUniform([3, 2, 2, 2], -1, 1, 'float32', 7) as tf.Tensor4D;
    const out = h.forward(x);
    const p = h.parameters();
    const ref = tf.tidy(() => {
      let y: tf.Tensor = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [3, 8]);
      const fc = (t: tf.Tensor, name: string) => tf.add(tf.matMul(t, p[`${name}.weight`], false, true), p[`${name}.bias`]);
      y = tf.relu(fc(y, 'shared_fcs.0'));
      y = tf.relu(fc(y, 'shared_fcs.1'));
      return [fc(y, 'fc_cls'), fc(y, 'fc_reg')];
    });
    expect(out.clsScore.shape).toEqual([3, 3]);
    expect(out.bboxPred.shape).toEqual([3, 8]);
    [out.clsScore, out.bboxPred].forEach((t, i) => t.dataSync().forEach((v, j) => expect(v).toBeCloseTo(ref[i].dataSync()[j], 5)));
    tf.dispose([x, out.clsScore, out.bboxPred, ...ref]);
    h.dispose();
  });

  it('loss: CE over weighted RoIs, L1 on each positive’s own-class deltas averaged over all RoIs, acc in percent', () => {
    const h = head();
    // 3 RoIs: a positive of class 1, a positive of class 0, a negative (label 2 = background)
    const clsScore = tf.tensor2d([[0.2, 1.5, -0.3], [2.0, 0.1, 0.4], [0.3, 0.2, 0.1]]);
    const bboxPred = tf.tensor2d([[9, 9, 9, 9, 0.1, -0.2, 0.05, 0], [0, 0.1, 0, 0, 7, 7, 7, 7], [1, 1, 1, 1, 1, 1, 1, 1]]);
    const box = [0, 0, 10, 10];
    const targets = {
      labels: Int32Array.from([1, 0, 2]), labelWeights: Float32Array.from([1, 1, 1]), posRows: Int32Array.from([0, 1]),
      posBboxes: Float32Array.from([...box, ...box]), posGtBboxes: Float32Array.from([...box, ...box]),
    };
    const losses = h.loss({ clsScore, bboxPred }, targets);
    // independent: softmax CE by hand; gts equal the boxes, so the targets are 0 and L1 = Σ|pred of own class| / 3
    const logits = [[0.2, 1.5, -0.3], [2.0, 0.1, 0.4], [0.3, 0.2, 0.1]];
    const ce = logits.map((r, i) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0)) - r[[1, 0, 2][i]]);
    expect(losses.loss_cls.dataSync()[0]).toBeCloseTo(ce.reduce((a, b) => a + b) / 3, 5);
    expect(losses.loss_bbox.dataSync()[0]).toBeCloseTo((0.1 + 0.2 + 0.05 + 0 + 0 + 0.1 + 0 + 0) / 3, 5);
    // argmax: 1 ✓, 0 ✓, 0 ✗ (label 2)
    expect(losses.acc.dataSync()[0]).toBeCloseTo(200 / 3, 4);
    tf.dispose([clsScore, bboxPred, ...Object.values(losses)]);
    h.dispose();
  });

  it('getBboxes: softmax, per-class decode clipped to the image, rescale, score threshold, class-wise NMS', async () => {
    const h = head();
    const rois = Float32Array.from([0, 10, 10, 30, 30, /**/ 0, 11, 11, 31, 31, /**/ 0, 50, 50, 70, 90]);
    const clsScore = tf.tensor2d([[3, 0, 0], [2.5, 0, 0], [0, 0, 3]]);
    const bboxPred = tf.zeros([3, 8]) as tf.Tensor2D;
    const m = meta(80, 80, { scaleFactor: [2, 2, 2, 2] });
    const det = await h.getBboxes(rois, { clsScore: clsScore as tf.Tensor2D, bboxPred }, m, true, { scoreThr: 0.3, nms: { type: 'nms', iouThreshold: 0.5 }, maxPerImg: 10 });
    const p = (l: number[]) => Math.exp(l[0]) / l.reduce((s, v) => s + Math.exp(v), 0);
    // roi 1 is suppressed by roi 0 (same class, IoU 0.82); roi 2 is background; roi 0/1 class-1 scores are below 0.3
    expect(Array.from(det.labels)).toEqual([0]);
    expect(det.scores[0]).toBeCloseTo(p([3, 0, 0]), 6);
    expect(Array.from(det.bboxes)).toEqual([5, 5, 15, 15]);
    tf.dispose([clsScore, bboxPred]);
    h.dispose();
  });

  it('multiclassNms: class-agnostic boxes are shared by every class; maxPerImg keeps the best', () => {
    const boxes = Float32Array.from([0, 0, 10, 10, 0, 0, 10, 10]);
    const scores = Float32Array.from([0.6, 0.3, 0.1, /**/ 0.5, 0.45, 0.05]);
    const out = multiclassNms(boxes, scores, 2, { scoreThr: 0.2, nms: { iouThreshold: 0.5 }, maxPerImg: 2 });
    // class 0: 0.6 keeps, 0.5 suppressed (same box); class 1: 0.45 keeps, 0.3 suppressed
    expect(Array.from(out.labels)).toEqual([0, 1]);
    expect(Array.from(out.scores)).toEqual([0.6, 0.45].map(Math.fround));
    expect(() => multiclassNms(boxes, scores, 2, { nms: { type: 'soft_nms', iouThreshold: 0.5 } })).toThrow(/only 'nms'/);
  });
});
