import * as tf from '@tensorflow/tfjs-core';
import { BBOX_ASSIGNERS } from '@det/registry';
import { MaxIoUAssigner, MaxIoUAssignerOptions } from './max-iou-assigner';
import { useBackend } from '../../testing/tf-backend';

beforeAll(async () => {
  await useBackend('cpu');
});

// Hand-made scene; IoUs worked out on paper:
//   G0 = [0,0,10,10], G1 = [20,20,30,30]
//   B0 = G0 (1.0 with G0)         B1 = [0,0,10,5]  (50/100 = 0.5 with G0)
//   B2 = [5,0,15,10] (50/150)     B3 far away (0)
//   B4 = [20,20,30,25] (0.5 G1)   B5 = [25,20,35,30] (50/150 with G1)
//   B6 = [20,25,30,30] (0.5 G1, ties B4 as G1's best)
const GT = [[0, 0, 10, 10], [20, 20, 30, 30]];
const BOXES = [
  [0, 0, 10, 10], [0, 0, 10, 5], [5, 0, 15, 10], [100, 100, 110, 110],
  [20, 20, 30, 25], [25, 20, 35, 30], [20, 25, 30, 30],
];

function assign(options: MaxIoUAssignerOptions, ignore?: number[][], labels?: number[]) {
  const assigner = BBOX_ASSIGNERS.build<MaxIoUAssigner>({ type: 'MaxIoUAssigner', ...options });
  return assigner.assign(tf.tensor2d(BOXES), tf.tensor2d(GT), ignore ? tf.tensor2d(ignore) : undefined, labels);
}

describe('MaxIoUAssigner', () => {
  it('positives at ≥ posIouThr, negatives below negIouThr, max overlaps per candidate', () => {
    const r = assign({ posIouThr: 0.5, negIouThr: 0.4 }, undefined, [3, 7]);
    expect(r.numGts).toBe(2);
    expect(Array.from(r.gtInds)).toEqual([1, 1, 0, 0, 2, 0, 2]);
    expect(Array.from(r.maxOverlaps).map((v) => +v.toFixed(5))).toEqual([1, 0.5, 0.33333, 0, 0.5, 0.33333, 0.5]);
    expect(Array.from(r.labels!)).toEqual([3, 3, -1, -1, 7, -1, 7]);
  });

  it('between the thresholds is ignored (-1); low-quality matching rescues each gt\'s best', () => {
    const base = { posIouThr: 0.6, negIouThr: 0.3 };
    expect(Array.from(assign({ ...base, matchLowQuality: false }).gtInds)).toEqual([1, -1, -1, 0, -1, -1, -1]);
    // G1's best IoU (0.5) is shared by B4 and B6: all ties, or only the first.
    expect(Array.from(assign(base).gtInds)).toEqual([1, -1, -1, 0, 2, -1, 2]);
    expect(Array.from(assign({ ...base, gtMaxAssignAll: false }).gtInds)).toEqual([1, -1, -1, 0, 2, -1, -1]);
    // minPosIou above G1's best: no rescue for G1.
    expect(Array.from(assign({ ...base, minPosIou: 0.6 }).gtInds)).toEqual([1, -1, -1, 0, -1, -1, -1]);
    expect(assign({ ...base, matchLowQuality: false }).labels).toBeNull();
  });

  it('negIouThr as [lo, hi) range', () => {
    expect(Array.from(assign({ posIouThr: 0.6, negIouThr: [0.1, 0.4], matchLowQuality: false }).gtInds)).toEqual([1, -1, 0, -1, -1, 0, -1]);
  });

  it('ignore boxes: candidates with IoF above ignoreIofThr become -1', () => {
    const ignore = [[99, 99, 111, 111]];
    const r = assign({ posIouThr: 0.5, negIouThr: 0.4, ignoreIofThr: 0.5 }, ignore);
    expect(Array.from(r.gtInds)).toEqual([1, 1, 0, -1, 2, 0, 2]);
    expect(r.maxOverlaps[3]).toBe(-1);
    // Without a positive ignoreIofThr the ignore boxes are not consulted.
    expect(assign({ posIouThr: 0.5, negIouThr: 0.4 }, ignore).gtInds[3]).toBe(0);
    // IoF w.r.t. the ignore box's area: B3 covers 100/144 of it.
    const wrtIgnore = { posIouThr: 0.5, negIouThr: 0.4, ignoreWrtCandidates: false };
    expect(assign({ ...wrtIgnore, ignoreIofThr: 0.6 }, ignore).gtInds[3]).toBe(-1);
    expect(assign({ ...wrtIgnore, ignoreIofThr: 0.7 }, ignore).gtInds[3]).toBe(0);
  });

  it('no gts → all negative; no candidates → empty', () => {
    const a = new MaxIoUAssigner({ posIouThr: 0.5, negIouThr: 0.4 });
    const noGt = a.assign(tf.tensor2d(BOXES), tf.zeros([0, 4]) as tf.Tensor2D, undefined, []);
    expect(Array.from(noGt.gtInds)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(noGt.labels!)).toEqual([-1, -1, -1, -1, -1, -1, -1]);
    expect(a.assign(tf.zeros([0, 4]) as tf.Tensor2D, tf.tensor2d(GT)).gtInds.length).toBe(0);
  });

  it('thresholds compare in float32 like torch (IoU exactly at a float32-rounded threshold)', () => {
    // 0.7 rounds down in float32; an IoU equal to fround(0.7) is positive in MMDetection.
    const a = new MaxIoUAssigner({ posIouThr: 0.7, negIouThr: 0.3 });
    const r = a.assignWrtOverlaps(Float32Array.of(Math.fround(0.7), 0.2), 1, 2);
    expect(Array.from(r.gtInds)).toEqual([1, 0]);
  });

  it('names bad options', () => {
    expect(() => new MaxIoUAssigner({ posIouThr: '0.5', negIouThr: 0.4 } as never)).toThrow(/'posIouThr' must be a number/);
    expect(() => new MaxIoUAssigner({ posIouThr: 0.5, negIouThr: [0.1] } as never)).toThrow(/'negIouThr'/);
    expect(() => assign({ posIouThr: 0.5, negIouThr: 0.4 }, undefined, [1])).toThrow(/1 gt labels for 2 gt boxes/);
  });

  // The scene and expectations of MMDetection's own MaxIoUAssigner unit tests
  // (tests/test_utils/test_assigner.py); det's assertions, their numbers.
  describe("MMDetection's unit-test scene", () => {
    const priors = [[0, 0, 10, 10], [10, 10, 20, 20], [5, 5, 15, 15], [32, 32, 38, 42]];
    const gts = [[0, 0, 10, 9], [0, 10, 10, 19]];

    it.each([[0.5], [[0, 0.5]]] as [number | [number, number]][])('negIouThr %j → gt inds [1, 0, 2, 0]', (negIouThr) => {
      const r = new MaxIoUAssigner({ posIouThr: 0.5, negIouThr }).assign(tf.tensor2d(priors), tf.tensor2d(gts), undefined, [2, 3]);
      expect(Array.from(r.gtInds)).toEqual([1, 0, 2, 0]);
      expect(Array.from(r.labels!)).toEqual([2, -1, 3, -1]);
    });

    it('ignore box w.r.t. its own area → [1, 0, 2, -1]', () => {
      const withIgnored = [...priors.slice(0, 3), [30, 32, 40, 42]];
      const r = new MaxIoUAssigner({ posIouThr: 0.5, negIouThr: 0.5, ignoreIofThr: 0.5, ignoreWrtCandidates: false })
        .assign(tf.tensor2d(withIgnored), tf.tensor2d(gts), tf.tensor2d([[30, 30, 40, 40]]));
      expect(Array.from(r.gtInds)).toEqual([1, 0, 2, -1]);
    });
  });
});

describe('MaxIoUAssigner host-array and async entry points', () => {
  const opts: MaxIoUAssignerOptions = { posIouThr: 0.5, negIouThr: 0.4, ignoreIofThr: 0.5 };
  const ignore = [[100, 100, 110, 110]];
  const fields = (r: { gtInds: Int32Array; maxOverlaps: Float32Array; labels: Int32Array | null }) => [Array.from(r.gtInds), Array.from(r.maxOverlaps), r.labels && Array.from(r.labels)];

  it('assignData and assignAsync give what assign gives (ignore boxes and labels included)', async () => {
    const a = new MaxIoUAssigner(opts);
    const want = fields(a.assign(tf.tensor2d(BOXES), tf.tensor2d(GT), tf.tensor2d(ignore), [3, 7]));
    expect(want[0]).toContain(-1); // the ignore box is really used
    const data = a.assignData(Float32Array.from(BOXES.flat()), Float32Array.from(GT.flat()), Float32Array.from(ignore.flat()), Int32Array.from([3, 7]));
    expect(fields(data)).toEqual(want);
    const viaAsync = await a.assignAsync(tf.tensor2d(BOXES), tf.tensor2d(GT), tf.tensor2d(ignore), tf.tensor1d([3, 7], 'int32'));
    expect(fields(viaAsync)).toEqual(want);
  });

  it('assignAsync keeps the first four columns of wider candidates; assignData names bad input', async () => {
    const a = new MaxIoUAssigner(opts);
    const wide = tf.tensor2d(BOXES.map((b) => [...b, 0.9]));
    expect(fields(await a.assignAsync(wide, tf.tensor2d(GT)))).toEqual(fields(a.assign(tf.tensor2d(BOXES), tf.tensor2d(GT))));
    expect(() => a.assignData(new Float32Array(6), new Float32Array(4))).toThrow(/'bboxes' must be flat n·4 xyxy, got 6 numbers/);
    expect(() => a.assignData(new Float32Array(4), new Float32Array(4), undefined, Int32Array.from([1, 2]))).toThrow(/2 gt labels for 1 gt boxes/);
  });
});
