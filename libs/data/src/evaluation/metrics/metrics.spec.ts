import { METRICS, DetError } from '@det/registry';
import { readVectors } from '../__fixtures__/vectors';
import type { DetResult } from '../../datasets/types';
import type { CocoGtDict, CocoResult } from '../coco/types';
import { formatFixed3 } from '../coco/summarize';
import { CocoMetric, type CocoEvaluable } from './coco-metric';
import { VOCMetric, type VocEvaluable } from './voc-metric';

interface CocoCase { name: string; inputs: { gt: CocoGtDict; detections: CocoResult[] }; expected: { stats: number[] } }
interface VocCase {
  inputs: { classes: string[]; images: { id: number; gt: { bbox: number[]; label: number; difficult: boolean }[] }[]; detections: { image_id: number; label: number; bbox: number[]; score: number }[] };
  expected: { legacy_plus1: { mAP_area: number; mAP_11point: number } };
}

/** A dataset stand-in whose COCO view is a shared-vector case (results are already COCO). */
function cocoDataset(c: CocoCase): CocoEvaluable {
  return { cocoGt: () => c.inputs.gt, toCocoResults: () => c.inputs.detections, catIds: c.inputs.gt.categories.map((k) => k.id) };
}

/** A VOC dataset stand-in and det results from a shared VOC case (difficult boxes as ignore). */
function vocDataset(c: VocCase, year?: number): { dataset: VocEvaluable; results: DetResult[] } {
  const images = c.inputs.images;
  const dataset: VocEvaluable = {
    classes: c.inputs.classes, length: images.length, year,
    getAnnInfo: (i) => {
      const reg = images[i].gt.filter((g) => !g.difficult), dif = images[i].gt.filter((g) => g.difficult);
      return {
        bboxes: reg.flatMap((g) => g.bbox), labels: reg.map((g) => g.label),
        bboxesIgnore: dif.flatMap((g) => g.bbox), labelsIgnore: dif.map((g) => g.label),
      };
    },
  };
  const results = images.map((im) => {
    const d = c.inputs.detections.filter((x) => x.image_id === im.id);
    return { bboxes: Float32Array.from(d.flatMap((x) => x.bbox)), scores: Float32Array.from(d, (x) => x.score), labels: Int32Array.from(d, (x) => x.label) };
  });
  return { dataset, results };
}

describe('CocoMetric', () => {
  const { cases } = readVectors<{ cases: CocoCase[] }>('coco_eval.json');

  it('is registered and returns MMDetection keys rounded to 3 decimals', async () => {
    const metric = METRICS.build<CocoMetric>({ type: 'CocoMetric', classwise: true });
    for (const c of cases) {
      const out = await metric.evaluate([], cocoDataset(c));
      expect(Object.keys(out)).toEqual(['bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'bbox_mAP_s', 'bbox_mAP_m', 'bbox_mAP_l']);
      // These cases never exceed 100 detections per image, so maxDets 1000 (MMDetection's) changes nothing.
      expect(Object.values(out)).toEqual(c.expected.stats.slice(0, 6).map((s) => Number(formatFixed3(s))));
    }
  });

  it('returns the requested metric items and rejects unknown ones', async () => {
    const metric = new CocoMetric({ metricItems: ['mAP', 'AR@100'] });
    const out = await metric.evaluate([], cocoDataset(cases[0]));
    expect(out).toEqual({ bbox_mAP: Number(formatFixed3(cases[0].expected.stats[0])), 'bbox_AR@100': Number(formatFixed3(cases[0].expected.stats[8])) });
    expect(() => new CocoMetric({ metricItems: ['mAP_xl'] })).toThrow(DetError);
    expect(() => new CocoMetric({ metric: 'segm' })).toThrow("metric 'segm' is not supported");
  });
});

describe('VOCMetric', () => {
  const { cases } = readVectors<{ cases: VocCase[] }>('voc_map.json');

  it('is registered and matches the vectors (legacy coordinates, area AP; 11 points for VOC2007)', async () => {
    for (const c of cases) {
      const { dataset, results } = vocDataset(c);
      const out = await METRICS.build<VOCMetric>({ type: 'VOCMetric' }).evaluate(results, dataset);
      // float32 boxes move IoUs by ~1e-7; the vectors keep IoUs far from 0.5, so APs are unchanged.
      expect(out.AP50).toBe(Number(formatFixed3(c.expected.legacy_plus1.mAP_area)));
      expect(out.mAP).toBeCloseTo(c.expected.legacy_plus1.mAP_area, 12);
      const voc07 = vocDataset(c, 2007);
      const out07 = await new VOCMetric().evaluate(voc07.results, voc07.dataset);
      expect(out07.mAP).toBeCloseTo(c.expected.legacy_plus1.mAP_11point, 12);
    }
  });

  it('gives one APxx per threshold and checks its inputs', async () => {
    const { dataset, results } = vocDataset(cases[0]);
    const out = await new VOCMetric({ iouThr: [0.5, 0.75] }).evaluate(results, dataset);
    expect(Object.keys(out)).toEqual(['AP50', 'AP75', 'mAP']);
    await expect(new VOCMetric().evaluate(results.slice(1), dataset)).rejects.toThrow('got 6 results for 7 images');
    expect(() => new VOCMetric({ iouThr: 1.5 })).toThrow('iouThr must be in (0, 1]');
  });
});
