import * as tf from '@tensorflow/tfjs-core';
import { HEADS } from '@det/registry';
import '../index';
import { RPNHead } from './rpn-head';
import { finishProposals } from './rpn-proposals';
import { meta } from '../detectors/__fixtures__/tiny';
import { useBackend } from '../testing/tf-backend';

beforeAll(async () => {
  await useBackend('cpu');
});

const rows = (a: Float32Array) => Array.from({ length: a.length / 4 }, (_, i) => Array.from(a.subarray(i * 4, i * 4 + 4)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('RPNHead proposals', () => {
  // One 8×8 anchor per cell at stride 8 (2×2 grid) and one 16×16 at stride 16 (1×1 grid), zero
  // deltas: proposals are the anchors clipped to the 16×16 image.
  const head = () =>
    HEADS.build<RPNHead>({
      type: 'RPNHead', inChannels: 2, featChannels: 2,
      anchorGenerator: { type: 'AnchorGenerator', scales: [1], ratios: [1], strides: [8, 16] },
    });

  it('anchors of the hand-made case are as assumed', () => {
    const h = head();
    expect(rows(h.priorGenerator.singleLevelGridPriorsData([2, 2], 0))).toEqual([[-4, -4, 4, 4], [4, -4, 12, 4], [-4, 4, 4, 12], [4, 4, 12, 12]]);
    expect(rows(h.priorGenerator.singleLevelGridPriorsData([1, 1], 1))).toEqual([[-8, -8, 8, 8]]);
    h.dispose();
  });

  it('top nmsPre per level, decode + clip, NMS within a level only (level ids), maxPerImg', () => {
    const h = head();
    // level 0 logits in (y, x) order: 3, 2, 1, 0; level 1: 2.5
    const outs = {
      clsScores: [tf.tensor4d([3, 2, 1, 0], [1, 2, 2, 1]), tf.tensor4d([2.5], [1, 1, 1, 1])],
      bboxPreds: [tf.zeros([1, 2, 2, 4]), tf.zeros([1, 1, 1, 4])],
    };
    // [0,0,8,8] (level 1) overlaps [0,0,4,4] (level 0) with IoU 0.25 > 0.2, but they are on different levels
    const [p] = h.getProposals(outs, [meta(16, 16)], { nmsPre: 3, maxPerImg: 3, nms: { type: 'nms', iouThreshold: 0.2 }, minBboxSize: 0 });
    expect(rows(p.bboxes)).toEqual([[0, 0, 4, 4], [0, 0, 8, 8], [4, 0, 12, 4]]);
    expect(Array.from(p.scores)).toEqual([3, 2.5, 2].map((x) => Math.fround(sigmoid(x))).map((v) => expect.closeTo(v, 6)));
    // nmsPre 1 keeps one anchor per level
    const [q] = h.getProposals(outs, [meta(16, 16)], { nmsPre: 1, maxPerImg: 10, nms: { iouThreshold: 0.2 }, minBboxSize: 0 });
    expect(rows(q.bboxes)).toEqual([[0, 0, 4, 4], [0, 0, 8, 8]]);
    tf.dispose([...outs.clsScores, ...outs.bboxPreds]);
    h.dispose();
  });

  it('getProposalsAsync returns what getProposals does, for every image, and leaves no tensors', async () => {
    const h = head();
    // two images, random logits and deltas: the async read path must follow the same steps
    const outs = {
      clsScores: [tf.randomNormal([2, 2, 2, 1], 0, 1, 'float32', 3), tf.randomNormal([2, 1, 1, 1], 0, 1, 'float32', 4)],
      bboxPreds: [tf.randomNormal([2, 2, 2, 4], 0, 0.5, 'float32', 5), tf.randomNormal([2, 1, 1, 4], 0, 0.5, 'float32', 6)],
    };
    const cfg = { nmsPre: 3, maxPerImg: 4, nms: { type: 'nms', iouThreshold: 0.5 }, minBboxSize: 0 };
    const metas = [meta(16, 16), meta(12, 16)];
    const before = tf.memory().numTensors;
    const sync = h.getProposals(outs, metas, cfg);
    const viaAsync = await h.getProposalsAsync(outs, metas, cfg);
    expect(tf.memory().numTensors).toBe(before);
    expect(viaAsync).toHaveLength(2);
    viaAsync.forEach((p, i) => {
      expect(p.scores.length).toBeGreaterThan(0);
      expect(Array.from(p.bboxes)).toEqual(Array.from(sync[i].bboxes));
      expect(Array.from(p.scores)).toEqual(Array.from(sync[i].scores));
    });
    // image 1 is 12 px tall: its boxes are clipped there, so the two images differ
    expect(Math.max(...Array.from(viaAsync[1].bboxes).filter((_, j) => j % 4 === 3))).toBeLessThanOrEqual(12);
    tf.dispose([...outs.clsScores, ...outs.bboxPreds]);
    h.dispose();
  });

  it('loss keys are loss_rpn_cls / loss_rpn_bbox and ignore gt labels', () => {
    const h = HEADS.build<RPNHead>({
      type: 'RPNHead', inChannels: 2, featChannels: 2, numClasses: 80,
      anchorGenerator: { type: 'AnchorGenerator', scales: [1], ratios: [1], strides: [8, 16] },
      trainCfg: { assigner: { type: 'MaxIoUAssigner', posIouThr: 0.5, negIouThr: 0.3 }, sampler: { type: 'RandomSampler', num: 4, posFraction: 0.5, addGtAsProposals: false } },
    });
    expect(h.numClasses).toBe(1);
    const feats = [tf.ones([1, 2, 2, 2]), tf.ones([1, 1, 1, 2])];
    const outs = h.forward(feats);
    const gt = { gtBboxes: [Float32Array.from([0, 0, 8, 8])], gtLabels: [Int32Array.from([7])], imgMetas: [meta(16, 16)] };
    const losses = h.loss(outs, gt);
    expect(Object.keys(losses).sort()).toEqual(['loss_rpn_bbox', 'loss_rpn_cls']);
    // all logits are equal: BCE of a balanced sample is log 2 per anchor whatever the labels
    expect(losses.loss_rpn_cls.dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([...feats, ...Object.values(outs).flat(), ...Object.values(losses)]);
    h.dispose();
  });
});

describe('finishProposals', () => {
  it('drops boxes not larger than minBboxSize, suppresses within a level, caps at maxPerImg', () => {
    const level0 = { bboxes: Float32Array.from([0, 0, 10, 10, 1, 1, 11, 11, 20, 20, 22, 30, 40, 40, 50, 50]), scores: Float32Array.from([0.9, 0.8, 0.7, 0.6]) };
    const level1 = { bboxes: Float32Array.from([1, 1, 11, 11]), scores: Float32Array.from([0.85]) };
    const out = finishProposals([level0, level1], { maxPerImg: 3, nms: { type: 'nms', iouThreshold: 0.5 }, minBboxSize: 2 });
    // [1,1,11,11] in level 0 is suppressed by [0,0,10,10] (IoU 0.68); the same box in level 1 is not;
    // [20,20,22,30] is 2 px wide (not > 2) and dropped; the cap removes [40,40,50,50].
    expect(rows(out.bboxes)).toEqual([[0, 0, 10, 10], [1, 1, 11, 11], [40, 40, 50, 50]]);
    expect(Array.from(out.scores)).toEqual([0.9, 0.85, 0.6].map(Math.fround));
    const capped = finishProposals([level0, level1], { maxPerImg: 2, nms: { iouThreshold: 0.5 }, minBboxSize: 2 });
    expect(capped.scores.length).toBe(2);
    expect(() => finishProposals([level0], { nms: { type: 'soft_nms', iouThreshold: 0.5 } }, 'testCfg.rpn')).toThrow(/testCfg.rpn.nms.type/);
  });
});
