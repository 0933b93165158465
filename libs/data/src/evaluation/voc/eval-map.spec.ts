import { readVectors } from '../__fixtures__/vectors';
import { averagePrecision } from './average-precision';
import { evaluateVoc, type VocAnnotation, type VocDetections } from './eval-map';

interface VocCase {
  name: string;
  inputs: {
    classes: string[];
    images: { id: number; gt: { bbox: number[]; label: number; difficult: boolean }[] }[];
    detections: { image_id: number; label: number; bbox: number[]; score: number }[];
    iou_thr: number;
  };
  expected: Record<'legacy_plus1' | 'no_plus1', {
    per_class: Record<string, { npos: number; ndet: number; tp: number; fp: number; ignored_difficult: number; ap_11point: number; ap_area: number }>;
    mAP_11point: number;
    mAP_area: number;
  }>;
}

const { cases } = readVectors<{ cases: VocCase[] }>('voc_map.json');
// Same float64 operations in the same order as the reference; 1e-12 leaves room only for
// last-bit differences.
const TOL = 1e-12;

/** The vector's lists → MMDetection's det_results / annotations (difficult boxes as ignore). */
function toMmdet(c: VocCase): { dets: VocDetections; anns: VocAnnotation[] } {
  const n = c.inputs.classes.length;
  const index = new Map(c.inputs.images.map((im, i) => [im.id, i]));
  const rows: number[][][] = c.inputs.images.map(() => Array.from({ length: n }, () => []));
  for (const d of c.inputs.detections) rows[index.get(d.image_id)!][d.label].push(...d.bbox, d.score);
  const anns = c.inputs.images.map((im) => {
    const regular = im.gt.filter((g) => !g.difficult), difficult = im.gt.filter((g) => g.difficult);
    return {
      bboxes: Float32Array.from(regular.flatMap((g) => g.bbox)), labels: Int32Array.from(regular, (g) => g.label),
      bboxesIgnore: Float32Array.from(difficult.flatMap((g) => g.bbox)), labelsIgnore: Int32Array.from(difficult, (g) => g.label),
    };
  });
  return { dets: rows.map((perClass) => perClass.map((r) => Float64Array.from(r))), anns };
}

describe('evaluateVoc against the shared VOC vectors', () => {
  it('has cases to check', () => expect(cases.length).toBeGreaterThan(0));

  describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { dets, anns } = toMmdet(c);
    it.each([['legacy_plus1', true], ['no_plus1', false]] as const)('%s', (key, legacy) => {
      const want = c.expected[key];
      for (const mode of ['area', '11points'] as const) {
        const r = evaluateVoc(dets, anns, { iouThr: c.inputs.iou_thr, mode, useLegacyCoordinate: legacy, classes: c.inputs.classes });
        expect(Math.abs(r.mAP - (mode === 'area' ? want.mAP_area : want.mAP_11point))).toBeLessThanOrEqual(TOL);
        for (const [label, w] of Object.entries(want.per_class)) {
          const got = r.perClass[Number(label)];
          expect([got.numGts, got.numDets, got.tp, got.fp, got.ignored]).toEqual([w.npos, w.ndet, w.tp, w.fp, w.ignored_difficult]);
          expect(Math.abs(got.ap - (mode === 'area' ? w.ap_area : w.ap_11point))).toBeLessThanOrEqual(TOL);
        }
      }
    });
  });
});

describe('averagePrecision', () => {
  it('integrates the precision envelope and samples 11 recall points', () => {
    // One of two GT found at rank 2 behind a FP: precision 0.5 at recall 0.5.
    expect(averagePrecision([0, 0.5], [0, 0.5], 'area')).toBe(0.25);
    // Recall points 0..0.5 (6 of 11) see precision 0.5.
    expect(averagePrecision([0, 0.5], [0, 0.5], '11points')).toBeCloseTo(3 / 11, 15);
    expect(averagePrecision([], [], 'area')).toBe(0);
  });
});

describe('evaluateVoc edge cases', () => {
  it('drops ignore boxes without labelsIgnore (as MMDetection) and excludes classes without GT from mAP', () => {
    const anns = [{ bboxes: [0, 0, 10, 10], labels: [0], bboxesIgnore: [20, 20, 30, 30] }];
    const dets = [[[0, 0, 10, 10, 0.9], [20, 20, 30, 30, 0.8]]];
    const r = evaluateVoc(dets, anns);
    expect(r.perClass[0]).toMatchObject({ numGts: 1, tp: 1, fp: 0 });
    expect(r.perClass[1]).toMatchObject({ numGts: 0, fp: 1 });
    expect(r.mAP).toBe(1);
    const withLabels = evaluateVoc([[[], [20, 20, 30, 30, 0.8]]], [{ ...anns[0], labelsIgnore: [1] }]);
    expect(withLabels.perClass[1]).toMatchObject({ tp: 0, fp: 0, ignored: 1 });
  });

  it('names the bad input', () => {
    expect(() => evaluateVoc([[[1, 2, 3]]], [{ bboxes: [], labels: [] }])).toThrow('dets[0][0] has 3 numbers');
    expect(() => evaluateVoc([], [{ bboxes: [], labels: [] }])).toThrow('one detection list and one annotation per image');
  });
});
