import * as tf from '@tensorflow/tfjs-core';
import { DETECTORS, HEADS, Rng, withOwner } from '@det/registry';
import '../index';
import { Linear } from '../nn';
import { RoIBBoxHead, RoIBBoxHeadOptions, RoIBBoxOutputs } from './roi-bbox-head';
import { StandardRoIHead } from './standard-roi-head';
import { roiTargets } from './bbox-targets';
import { FasterRCNN } from './two-stage-detector';
import { tinyFasterRcnnCfg } from './__fixtures__/tiny-faster-rcnn';
import { useTrainingBackend } from './__fixtures__/training-backend';
import { syntheticBatch } from '../detectors/__fixtures__/tiny';

beforeAll(async () => {
  await useTrainingBackend();
});

const roiHeadCfg = (num: number, posFraction: number) => ({
  type: 'StandardRoIHead',
  bboxRoiExtractor: { type: 'SingleRoIExtractor', roiLayer: { type: 'RoIAlign', outputSize: 2, samplingRatio: 1 }, outChannels: 4, featmapStrides: [4] },
  bboxHead: { type: 'Shared2FCBBoxHead', inChannels: 4, fcOutChannels: 8, roiFeatSize: 2, numClasses: 3 },
  trainCfg: {
    assigner: { type: 'MaxIoUAssigner', posIouThr: 0.5, negIouThr: 0.5, minPosIou: 0.5, matchLowQuality: false, ignoreIofThr: -1 },
    sampler: { type: 'RandomSampler', num, posFraction, negPosUb: -1, addGtAsProposals: true, rng: new Rng(4) },
  },
});

describe('StandardRoIHead sampling and targets', () => {
  // 2 gts; 300 proposals: 100 jittered copies of each gt (IoU ≥ 0.5) and 100 far away (negatives)
  const gt = Float32Array.from([10, 10, 50, 50, 60, 20, 120, 90]);
  const labels = Int32Array.from([2, 0]);
  const proposals = (() => {
    const rng = new Rng(9);
    const boxes: number[] = [];
    for (let g = 0; g < 2; g++) {
      for (let j = 0; j < 100; j++) boxes.push(...Array.from(gt.subarray(g * 4, g * 4 + 4), (v) => v + (rng.next() - 0.5) * 4));
    }
    for (let j = 0; j < 100; j++) boxes.push(200 + j, 200, 230 + j, 240);
    return { bboxes: Float32Array.from(boxes), scores: new Float32Array(300).fill(0.5) };
  })();

  it('samples num RoIs with posFraction positives (gts added as proposals) and labels them with their gt class', () => {
    const head = HEADS.build<StandardRoIHead>(roiHeadCfg(64, 0.25));
    const s = head.sampleImage(proposals, gt, labels);
    expect(s.posBboxes.length / 4).toBe(16); // floor(64 · 0.25), 202 candidates available
    expect(s.negBboxes.length / 4).toBe(48);
    for (let j = 0; j < 16; j++) {
      const box = s.posBboxes.subarray(j * 4, j * 4 + 4);
      const g = box[0] < 55 ? 0 : 1;
      expect(s.posGtLabels[j]).toBe(labels[g]);
      expect(Array.from(s.posGtBboxes.subarray(j * 4, j * 4 + 4))).toEqual(Array.from(gt.subarray(g * 4, g * 4 + 4)));
    }
    for (let j = 0; j < 48; j++) expect(s.negBboxes[j * 4]).toBeGreaterThanOrEqual(200);
    // few positives: all of them are taken and negatives fill up to num
    const few = { bboxes: proposals.bboxes.slice(196 * 4), scores: proposals.scores.slice(196) };
    const t = head.sampleImage(few, gt, labels);
    expect(t.posBboxes.length / 4).toBe(6); // 2 gts + 4 jittered copies of gt 1
    expect(t.negBboxes.length / 4).toBe(58);
    const targets = roiTargets([s, t], 3);
    expect(Array.from(targets.labels.subarray(0, 16))).toEqual(Array.from(s.posGtLabels));
    expect(Array.from(targets.labels.subarray(16, 64))).toEqual(new Array(48).fill(3));
    expect(Array.from(targets.posRows)).toEqual([...Array.from({ length: 16 }, (_, i) => i), ...Array.from({ length: 6 }, (_, i) => 64 + i)]);
    expect(targets.labelWeights.every((w) => w === 1)).toBe(true);
    head.dispose();
  });
});

/** A plugin's bbox head: one linear layer for scores and deltas. */
class TinyPluginBBoxHead extends RoIBBoxHead {
  private readonly fc: Linear;
  constructor(options: RoIBBoxHeadOptions & { inChannels: number; roiFeatSize: number }) {
    super(options);
    this.fc = this.addModule('fc', new Linear({ inFeatures: options.inChannels * options.roiFeatSize ** 2, outFeatures: (this.numClasses + 1) + 4 * this.numClasses, rng: new Rng(5) }));
  }
  forward(x: tf.Tensor4D): RoIBBoxOutputs {
    return tf.tidy(() => {
      const y = this.fc.forward(tf.reshape(x, [x.shape[0], -1]));
      const C = this.numClasses;
      return { clsScore: tf.slice(y, [0, 0], [-1, C + 1]) as tf.Tensor2D, bboxPred: tf.slice(y, [0, C + 1], [-1, 4 * C]) as tf.Tensor2D };
    });
  }
}

describe('FasterRCNN with a plugin bbox head', () => {
  afterAll(() => HEADS.remove('TinyPluginBBoxHead', '@test/plugin'));

  it('builds the RoI head bbox head from HEADS under another owner, trains and tests with it', async () => {
    withOwner('@test/plugin', () => HEADS.register()(TinyPluginBBoxHead));
    expect(HEADS.entries().find((e) => e.name === 'TinyPluginBBoxHead')?.owner).toBe('@test/plugin');
    const cfg = tinyFasterRcnnCfg(2, { type: 'TinyPluginBBoxHead', inChannels: 8, roiFeatSize: 3, fcOutChannels: undefined });
    const model = DETECTORS.build<FasterRCNN>(cfg as never);
    expect(model.roiHead.bboxHead).toBeInstanceOf(TinyPluginBBoxHead);
    expect(Object.keys(model.parameters()).filter((k) => k.startsWith('roi_head.'))).toEqual(['roi_head.bbox_head.fc.weight', 'roi_head.bbox_head.fc.bias']);
    const batch = syntheticBatch();
    const out = await model.trainStep(batch);
    expect(Object.keys(out.logVars).sort()).toEqual(['acc', 'loss', 'loss_bbox', 'loss_cls', 'loss_rpn_bbox', 'loss_rpn_cls']);
    expect(out.grads!['roi_head.bbox_head.fc.weight'].shape).toEqual([3 + 8, 8 * 9]);
    tf.dispose(Object.values(out.grads!));
    const dets = await model.forwardTest(batch);
    expect(dets).toHaveLength(2);
    model.dispose();
  });
});

describe('FasterRCNN test paths', () => {
  it('augTest over one augmentation (or the same one twice) equals simpleTest; a flipped view stays in the image', async () => {
    const model = DETECTORS.build<FasterRCNN>(tinyFasterRcnnCfg(2) as never);
    // a low score threshold so the untrained model returns detections
    (model.roiHead.testCfg as { scoreThr: number }).scoreThr = 0.0;
    model.eval();
    const batch = syntheticBatch();
    const simple = await model.forwardTest(batch);
    expect(simple[0].scores.length).toBeGreaterThan(0);
    for (const augs of [[batch], [batch, batch]]) {
      const aug = await model.forwardTest({ ...batch, augs }, { augTest: true });
      aug.forEach((r, i) => {
        expect(Array.from(r.labels)).toEqual(Array.from(simple[i].labels));
        r.scores.forEach((v, j) => expect(v).toBeCloseTo(simple[i].scores[j], 5));
        r.bboxes.forEach((v, j) => expect(v).toBeCloseTo(simple[i].bboxes[j], 3));
      });
    }
    // horizontal flip of the pixels with flip metas: boxes are mapped back into the 64×64 original
    const [n, h, w] = batch.img.shape;
    const flipped = new Float32Array(batch.img.data.length);
    for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) flipped[((b * h + y) * w + (w - 1 - x)) * 3 + c] = batch.img.data[((b * h + y) * w + x) * 3 + c];
    const flipBatch = { ...batch, img: { data: flipped, shape: batch.img.shape }, imgMetas: batch.imgMetas.map((m) => ({ ...m, flip: true, flipDirection: 'horizontal' as const })) };
    const both = await model.forwardTest({ ...batch, augs: [batch, flipBatch] }, { augTest: true });
    for (const r of both) r.bboxes.forEach((v) => expect(v >= 0 && v <= 64).toBe(true));
    model.dispose();
  });
});

describe('StandardRoIHead config checks', () => {
  it.each(['maskHead', 'maskRoiExtractor', 'sharedHead'])('refuses %s with an error naming the key path', (key) => {
    expect(() => HEADS.build({ ...roiHeadCfg(8, 0.25), [key]: { type: 'FCNMaskHead' } }, { keyPath: 'model.roiHead' }))
      .toThrow(`model.roiHead.${key} (StandardRoIHead)`);
  });
});
