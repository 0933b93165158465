import { accumulateCategory, CurveScratch } from './accumulate';
import { CategoryRecords } from './category-records';
import { CellMatcher } from './match-cell';
import { resolveCocoParams, type CocoEvalOptions } from './params';
import { prepareCoco } from './prepare';
import { detSummaryEntries, summarizeEntry, summaryLine } from './summarize';
import type { CocoGtDict, CocoEvalParams, CocoEvalResult, CocoResult, NdArray } from './types';
import { validateCocoGt, validateCocoResults } from './validate';

export interface EvaluateCocoOptions extends CocoEvalOptions {
  /** Names used in input errors (e.g. the file paths). */
  gtSource?: string;
  detsSource?: string;
  /** Skip input checks (the caller already validated). */
  trusted?: boolean;
}

/**
 * COCO bbox evaluation with pycocotools' COCOeval semantics (evaluate → accumulate → summarize):
 * per image × category matching at every IoU threshold and area range, 101-point interpolated
 * precision, and the 12 summary stats. Runs category by category over typed arrays, so memory
 * holds one category's detections at a time besides the inputs and the precision array.
 */
export function evaluateCoco(gt: CocoGtDict, dets: CocoResult[], options: EvaluateCocoOptions = {}): CocoEvalResult {
  if (!options.trusted) validateCocoResults(dets, validateCocoGt(gt, options.gtSource), options.detsSource);
  const p = resolveCocoParams(gt, options);
  const data = prepareCoco(gt, dets, p);
  const T = p.iouThrs.length, R = p.recThrs.length, K = data.catCount, A = p.areaRng.length, M = p.maxDets.length;
  const I = data.imageCount;
  const precision: NdArray = { data: new Float64Array(T * R * K * A * M).fill(-1), shape: [T, R, K, A, M] };
  const recall: NdArray = { data: new Float64Array(T * K * A * M).fill(-1), shape: [T, K, A, M] };

  const matcher = new CellMatcher(data, p);
  const rec = new CategoryRecords(A, T);
  const scratch = new CurveScratch();
  for (let k = 0; k < K; k++) {
    let capacity = 0;
    for (let i = 0; i < I; i++) capacity += matcher.keptDetections(k * I + i);
    rec.reset(capacity);
    for (let i = 0; i < I; i++) matcher.evaluate(k * I + i, rec);
    accumulateCategory(rec, k, p, K, precision.data, recall.data, scratch);
  }

  const stats = detSummaryEntries(p).map((e) => summarizeEntry(e, p, precision, recall));
  return { stats, precision, recall, perCategory: perCategoryAp(p, precision, recall), params: p };
}

/** AP@[.50:.95] (or at one IoU) per category id, area 'all', largest maxDets; -1 without GT. */
export function perCategoryAp(p: CocoEvalParams, precision: NdArray, recall: NdArray, iouThr?: number): Record<string, number> {
  if (!p.useCats) return {};
  const area = p.areaRngLbl.includes('all') ? 'all' : p.areaRngLbl[0];
  const entry = { ap: true, iouThr, area, maxDets: p.maxDets[p.maxDets.length - 1] };
  return Object.fromEntries(p.catIds.map((id, k) => [String(id), summarizeEntry(entry, p, precision, recall, [k])]));
}

/** pycocotools' 12-line summary for a result. */
export function cocoSummaryLines(result: CocoEvalResult): string[] {
  return detSummaryEntries(result.params).map((e, i) => summaryLine(e, result.params, result.stats[i]));
}
