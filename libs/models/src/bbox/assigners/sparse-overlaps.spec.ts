// MaxIoUAssigner.assignData's sparse path (no [numGts, numBoxes] matrix) against the dense rules
// on bboxOverlapsTyped's matrix: exactly the same gtInds, maxOverlaps and labels (tolerance: none;
// both round every step to float32 in the same order), on anchor-like grids with ties.
import { Rng } from '@det/registry';
import { bboxOverlapsTyped } from '../../ops/iou-typed';
import { MaxIoUAssigner, MaxIoUAssignerOptions } from './max-iou-assigner';
import { sparseOverlaps } from './sparse-overlaps';

/** Grid anchors (two sizes per cell, so boxes repeat and IoUs tie), like an anchor head's. */
function gridAnchors(w: number, h: number, stride: number): Float32Array {
  const out: number[] = [];
  for (let y = 0; y < h; y += stride) for (let x = 0; x < w; x += stride) for (const s of [stride, 2 * stride]) out.push(x - s / 2, y - s / 2, x + s / 2, y + s / 2);
  return Float32Array.from(out);
}

function randomGts(rng: Rng, k: number, w: number, h: number): Float32Array {
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const bw = 4 + rng.next() * w * 0.5, bh = 4 + rng.next() * h * 0.5;
    const x = rng.next() * (w - bw), y = rng.next() * (h - bh);
    out.push(x, y, x + bw, y + bh);
  }
  return Float32Array.from(out);
}

function dense(a: MaxIoUAssigner, boxes: Float32Array, gts: Float32Array, labels: Int32Array) {
  return a.assignWrtOverlaps(bboxOverlapsTyped(gts, boxes), gts.length / 4, boxes.length / 4, labels);
}

const OPTIONS: MaxIoUAssignerOptions[] = [
  { posIouThr: 0.5, negIouThr: 0.4, minPosIou: 0 },
  { posIouThr: 0.5, negIouThr: 0.4, minPosIou: 0, gtMaxAssignAll: false },
  { posIouThr: 0.7, negIouThr: [0.1, 0.3], minPosIou: 0.3 },
  { posIouThr: 0.5, negIouThr: 0.4, matchLowQuality: false },
];

describe('sparse IoU reductions in MaxIoUAssigner.assignData', () => {
  it('the reductions equal those of the dense matrix', () => {
    const rng = new Rng(4);
    const boxes = gridAnchors(96, 64, 8);
    const gts = randomGts(rng, 6, 96, 64);
    const m = bboxOverlapsTyped(gts, boxes);
    const n = boxes.length / 4;
    const s = sparseOverlaps(gts, boxes);
    for (let g = 0; g < 6; g++) {
      const row = m.subarray(g * n, (g + 1) * n);
      expect(s.gtMax[g]).toBe(Math.max(...row));
      const nonzero = Array.from(row).flatMap((v, j) => (v !== 0 ? [j] : []));
      expect(s.hits[g].index.filter((j) => row[j] !== 0)).toEqual(nonzero);
      s.hits[g].index.forEach((j, h) => expect(s.hits[g].iou[h]).toBe(row[j]));
    }
    for (let j = 0; j < n; j++) {
      let best = m[j];
      let arg = 0;
      for (let g = 1; g < 6; g++) if (m[g * n + j] > best) [best, arg] = [m[g * n + j], g];
      expect([s.maxOverlaps[j], s.argmax[j]]).toEqual([best, arg]);
    }
  });

  for (const [i, options] of OPTIONS.entries()) {
    it(`assignments equal the dense rules (options ${i}: ${JSON.stringify(options)})`, () => {
      const rng = new Rng(10 + i);
      const a = new MaxIoUAssigner(options);
      const boxes = gridAnchors(128, 96, 8);
      let compared = 0;
      for (let trial = 0; trial < 12; trial++) {
        const k = 1 + (trial % 7);
        const gts = randomGts(rng, k, 128, 96);
        // a duplicated gt ties on every candidate: argmax keeps the first, low-quality the last
        const gtsDup = trial % 4 === 1 ? Float32Array.from([...gts, ...gts.subarray(0, 4)]) : gts;
        const labels = Int32Array.from({ length: gtsDup.length / 4 }, (_, g) => g * 3);
        const want = dense(a, boxes, gtsDup, labels);
        const got = a.assignData(boxes, gtsDup, undefined, labels);
        expect(Array.from(got.gtInds)).toEqual(Array.from(want.gtInds));
        expect(Array.from(got.maxOverlaps)).toEqual(Array.from(want.maxOverlaps));
        expect(Array.from(got.labels!)).toEqual(Array.from(want.labels!));
        compared += got.gtInds.filter((v) => v > 0).length;
      }
      expect(compared).toBeGreaterThan(0);
    });
  }

  it('a gt that meets no candidate takes the dense rules (every candidate at IoU 0 is its best)', () => {
    const a = new MaxIoUAssigner({ posIouThr: 0.5, negIouThr: 0.4, minPosIou: 0 });
    const boxes = gridAnchors(32, 32, 8);
    const gts = Float32Array.from([2, 2, 12, 12, 500, 500, 510, 510]);
    const got = a.assignData(boxes, gts, undefined, Int32Array.from([1, 2]));
    const want = dense(a, boxes, gts, Int32Array.from([1, 2]));
    expect(Array.from(got.gtInds)).toEqual(Array.from(want.gtInds));
    expect(got.gtInds.filter((v) => v === 2).length).toBeGreaterThan(0);
  });
});
