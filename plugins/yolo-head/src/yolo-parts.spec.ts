import { GridAssigner, iouMatrix } from './grid-assigner';
import { decodeYolo, encodeYolo } from './yolo-coder';
import { levelPriors, responsibleFlags } from './yolo-priors';

describe('levelPriors / responsibleFlags', () => {
  const level = { stride: 8, baseSizes: [[8, 8], [16, 4]] as [number, number][] };

  it('centres every anchor on its cell, ordered (y, x, anchor)', () => {
    const p = levelPriors(level, 2, 3);
    expect(p.length).toBe(2 * 3 * 2 * 4);
    // cell (y=0, x=0): centre (4, 4); cell (y=1, x=2): centre (20, 12), second anchor 16×4.
    expect(Array.from(p.subarray(0, 8))).toEqual([0, 0, 8, 8, -4, 2, 12, 6]);
    expect(Array.from(p.subarray(40, 48))).toEqual([16, 8, 24, 16, 12, 10, 28, 14]);
  });

  it('flags all anchors of the cells holding a gt centre, ignoring centres off the map', () => {
    const gts = Float32Array.from([10, 9, 14, 15, /* centre (12, 12) → cell (1, 1) */ 100, 100, 110, 110]);
    expect(Array.from(responsibleFlags(level, 2, 3, gts))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
  });
});

describe('YOLO box coding', () => {
  it('encodes the centre offset in the cell and log sizes (hand-computed)', () => {
    // prior centre (12, 12), 8×8; gt centre (14, 10), 16×4, stride 8 → (2/8 + .5, -2/8 + .5, ln 2, ln .5)
    const enc = encodeYolo([8, 8, 16, 16], [6, 8, 22, 12], 8);
    expect(enc[0]).toBeCloseTo(0.75, 6);
    expect(enc[1]).toBeCloseTo(0.25, 6);
    expect(enc[2]).toBeCloseTo(Math.log(2), 6);
    expect(enc[3]).toBeCloseTo(Math.log(0.5), 6);
  });

  it('decode inverts encode through the sigmoid (logit of the offsets)', () => {
    const prior = [8, 8, 16, 16];
    const gt = [6, 8, 22, 12];
    const [x, y, w, h] = encodeYolo(prior, gt, 8);
    const logit = (p: number) => Math.log(p / (1 - p));
    const box = decodeYolo(prior, [logit(x), logit(y), w, h], 8);
    box.forEach((v, i) => expect(v).toBeCloseTo(gt[i], 4));
  });

  it('clamps centre targets just inside (0, 1)', () => {
    const [x] = encodeYolo([0, 0, 8, 8], [8, 0, 16, 8], 8); // centre on the cell border
    expect(x).toBeLessThan(1);
    expect(x).toBeGreaterThan(0.999);
  });
});

describe('GridAssigner (MMDetection semantics, hand-computed)', () => {
  const assigner = new GridAssigner({ posIouThr: 0.5, negIouThr: 0.4, minPosIou: 0 });
  // Four priors; two gts.
  const priors = Float32Array.from([
    0, 0, 10, 10, // IoU 1 with gt0
    0, 0, 10, 5, //  IoU .5 with gt0
    20, 20, 30, 30, // IoU 1/7 with gt1 (20..30 vs 25..35 → 25/175)
    100, 100, 110, 110, // no overlap
  ]);
  const gts = Float32Array.from([0, 0, 10, 10, 25, 25, 35, 35]);

  it('computes the IoU matrix', () => {
    const iou = iouMatrix(priors, gts);
    expect(iou[0]).toBeCloseTo(1);
    expect(iou[2]).toBeCloseTo(0.5);
    expect(iou[5]).toBeCloseTo(25 / 175);
    expect(iou[7]).toBe(0);
  });

  it('negatives below negIouThr, ignores in between, positives only where responsible', () => {
    // Prior 1 (IoU .5 = not > posIouThr, not <= negIouThr) stays ignored; prior 2 is the only
    // responsible prior for gt1, so gt1 takes it despite the low IoU (minPosIou 0).
    expect(Array.from(assigner.assign(priors, Uint8Array.from([1, 1, 1, 0]), gts))).toEqual([1, -1, 2, 0]);
  });

  it('a gt whose cell holds no prior with overlap gets nothing; with no responsible prior nothing is positive', () => {
    expect(Array.from(assigner.assign(priors, Uint8Array.from([0, 0, 0, 0]), gts))).toEqual([-1, -1, 0, 0]);
  });

  it('every prior is negative for an image without boxes', () => {
    expect(Array.from(assigner.assign(priors, new Uint8Array(4), new Float32Array(0)))).toEqual([0, 0, 0, 0]);
  });
});
