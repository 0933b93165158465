import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { BBOX_ASSIGNERS, BBOX_CODERS, BBOX_SAMPLERS, DETECTORS } from '@det/registry';
import '../index';
import { anchorTargetsSingle, TargetComponents } from './anchor-targets';
import { centernessTargets, fcosTargetsSingle } from './fcos-targets';
import { topCandidates } from './post-process';
import { SingleStageDetector } from '../detectors/single-stage';
import { setNumClasses } from '../detectors/set-num-classes';
import { parseLosses } from '../detectors/parse-losses';
import { handCheckRetinaCfg, meta } from '../detectors/__fixtures__/tiny';

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
});

// points of a 4×4 grid at stride 8 (centres 4, 12, 20, 28)
const grid = Float32Array.from({ length: 32 }, (_, i) => (i % 2 === 0 ? ((i / 2) % 4) * 8 + 4 : Math.floor(i / 8) * 8 + 4));
const fcosInputs = (over: object = {}) => ({
  points: grid, regressRanges: new Float32Array(32).fill(0).map((_, i) => (i % 2 ? 1e8 : -1)), strides: new Float32Array(16).fill(8),
  gtBboxes: Float32Array.from([0, 0, 16, 16]), gtLabels: Int32Array.from([1]), numClasses: 2,
  centerSampling: false, centerSampleRadius: 1.5, normOnBbox: false, ...over,
});
const positives = (labels: Int32Array, C: number) => Array.from(labels).flatMap((l, i) => (l < C ? [i] : []));

describe('FCOS targets (hand-computed)', () => {
  it('labels the points strictly inside the gt and regresses l, t, r, b', () => {
    const t = fcosTargetsSingle(fcosInputs());
    expect(positives(t.labels, 2)).toEqual([0, 1, 4, 5]);
    expect(t.labels[0]).toBe(1);
    expect(Array.from(t.bboxTargets.subarray(0, 4))).toEqual([4, 4, 12, 12]);
    expect(Array.from(t.bboxTargets.subarray(20, 24))).toEqual([12, 12, 4, 4]);
    expect(centernessTargets(Float32Array.from([4, 4, 12, 12]))[0]).toBeCloseTo(1 / 3, 6);
  });

  it('centre sampling shrinks the region to radius·stride; regress ranges are inclusive; normOnBbox divides by the stride', () => {
    // radius 0.5·8 = 4 around (8, 8) → (4, 4, 12, 12): no point lies strictly inside
    expect(positives(fcosTargetsSingle(fcosInputs({ centerSampling: true, centerSampleRadius: 0.5 })).labels, 2)).toEqual([]);
    expect(positives(fcosTargetsSingle(fcosInputs({ centerSampling: true, centerSampleRadius: 1.5 })).labels, 2)).toEqual([0, 1, 4, 5]);
    const ranges = (hi: number) => new Float32Array(32).map((_, i) => (i % 2 ? hi : -1));
    expect(positives(fcosTargetsSingle(fcosInputs({ regressRanges: ranges(11.9) })).labels, 2)).toEqual([]);
    expect(positives(fcosTargetsSingle(fcosInputs({ regressRanges: ranges(12) })).labels, 2)).toEqual([0, 1, 4, 5]);
    expect(Array.from(fcosTargetsSingle(fcosInputs({ normOnBbox: true })).bboxTargets.subarray(0, 4))).toEqual([0.5, 0.5, 1.5, 1.5]);
  });

  it('a point inside two gts takes the smaller one', () => {
    const t = fcosTargetsSingle(fcosInputs({ gtBboxes: Float32Array.from([0, 0, 32, 32, 0, 0, 16, 16]), gtLabels: Int32Array.from([0, 1]) }));
    expect(t.labels[0]).toBe(1);
    expect(t.labels[15]).toBe(0);
  });
});

describe('anchor targets', () => {
  it('assigns valid anchors, ignores invalid ones, encodes the positives', () => {
    const parts: TargetComponents = {
      assigner: BBOX_ASSIGNERS.build({ type: 'MaxIoUAssigner', posIouThr: 0.5, negIouThr: 0.4, minPosIou: 0 }) as TargetComponents['assigner'],
      sampler: BBOX_SAMPLERS.build({ type: 'PseudoSampler' }) as TargetComponents['sampler'],
      coder: BBOX_CODERS.build({ type: 'DeltaXYWHBBoxCoder' }) as TargetComponents['coder'],
    };
    const t = anchorTargetsSingle(
      {
        anchors: Float32Array.from([0, 0, 10, 10, 20, 20, 30, 30, 0, 0, 9, 10]), validFlags: Uint8Array.from([1, 1, 0]),
        gtBboxes: Float32Array.from([0, 0, 10, 12]), gtLabels: Int32Array.from([3]), numClasses: 5, regDecodedBbox: false, posWeight: -1,
      },
      parts,
    );
    expect(Array.from(t.labels)).toEqual([3, 5, 5]);
    expect(Array.from(t.labelWeights)).toEqual([1, 1, 0]);
    expect(Array.from(t.posInds)).toEqual([0]);
    // dx 0, dy (6-5)/10, dw 0, dh log(12/10)
    const want = [0, 0.1, 0, Math.log(1.2)];
    Array.from(t.posTargets).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    expect(t.numNeg).toBe(1);
  });
});

describe('RetinaHead loss', () => {
  it('equals the focal / L1 sums computed by hand, averaged over the number of positives', async () => {
    const model = DETECTORS.build<SingleStageDetector>(handCheckRetinaCfg() as never);
    const sd = model.stateDict();
    const w = {
      'bbox_head.retina_cls.weight': tf.zeros(sd['bbox_head.retina_cls.weight'].shape),
      'bbox_head.retina_cls.bias': tf.tensor1d([2]),
      'bbox_head.retina_reg.weight': tf.zeros(sd['bbox_head.retina_reg.weight'].shape),
      'bbox_head.retina_reg.bias': tf.zeros([4]),
    };
    model.loadStateDict(w, { strict: false });
    // anchor [4,4,12,12] (cell 1,1) has IoU 0.8 with the gt; the other 15 anchors are negatives
    const batch = { img: { data: new Float32Array(32 * 32 * 3), shape: [1, 32, 32, 3] as [number, number, number, number] }, imgMetas: [meta(32, 32)], gtBboxes: [Float32Array.from([4, 4, 12, 14])], gtLabels: [Int32Array.from([0])] };
    const { logVars } = await model.valStep(batch);
    const p = 1 / (1 + Math.exp(-2));
    const alpha = 0.25;
    const focal = alpha * (1 - p) ** 2 * -Math.log(p) + 15 * (1 - alpha) * p ** 2 * -Math.log(1 - p);
    expect(logVars.loss_cls).toBeCloseTo(focal, 4);
    expect(logVars.loss_bbox).toBeCloseTo(0.125 + Math.log(10 / 8), 5);
    expect(logVars.loss).toBeCloseTo(logVars.loss_cls + logVars.loss_bbox, 5);
    tf.dispose(Object.values(w));
    model.dispose();
  });
});

describe('helpers', () => {
  it('topCandidates keeps (prior, class) pairs above the threshold, best nmsPre first', () => {
    const c = topCandidates(Float32Array.from([0.1, 0.9, 0.5, 0.02, 0.7, 0.5]), 2, 0.05, 3);
    expect(Array.from(c.prior)).toEqual([0, 2, 1]);
    expect(Array.from(c.labels)).toEqual([1, 0, 0]);
    expect(Array.from(c.scores)).toEqual([0.9, 0.7, 0.5].map(Math.fround));
  });

  it('setNumClasses fills undefined numClasses in head configs only', () => {
    const cfg = setNumClasses(
      { type: 'X', bboxHead: { type: 'RetinaHead' }, rpnHead: { type: 'RPNHead' }, roiHead: { type: 'R', bboxHead: [{ type: 'B' }, { type: 'B', numClasses: 3 }] } },
      7,
    );
    expect(cfg).toEqual({ type: 'X', bboxHead: { type: 'RetinaHead', numClasses: 7 }, rpnHead: { type: 'RPNHead' }, roiHead: { type: 'R', bboxHead: [{ type: 'B', numClasses: 7 }, { type: 'B', numClasses: 3 }] } });
  });

  it('parseLosses sums every key containing "loss" and averages lists', () => {
    const { loss, logVars } = parseLosses({ loss_cls: tf.scalar(1), loss_bbox: [tf.tensor1d([1, 3]), tf.scalar(0.5)], acc: tf.scalar(90) });
    expect(loss.dataSync()[0]).toBeCloseTo(1 + 2 + 0.5, 6);
    expect(logVars.acc.dataSync()[0]).toBe(90);
    expect(Object.keys(logVars).sort()).toEqual(['acc', 'loss', 'loss_bbox', 'loss_cls']);
  });

  it('a head without numClasses says how to set it', () => {
    const cfg = handCheckRetinaCfg();
    const head = { ...(cfg.bboxHead as object), numClasses: undefined };
    expect(() => DETECTORS.build({ ...cfg, bboxHead: head } as never)).toThrow(/numClasses must be a positive integer.*dataset classes/);
  });
});
