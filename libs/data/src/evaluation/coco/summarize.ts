import { numpyMean } from '../common/numpy-compat';
import type { CocoEvalParams, NdArray } from './types';

/** One line of COCOeval.summarize: AP (precision) or AR (recall) at an IoU / area / maxDets. */
export interface SummaryEntry {
  ap: boolean;
  iouThr?: number;
  area: string;
  maxDets: number;
}

/**
 * The 12 entries of `_summarizeDets`, in `stats` order. As in pycocotools the first reads
 * maxDets=100 literally (so it is -1 when 100 is not among maxDets); the others read
 * maxDets[0..2] (det takes the largest cap where fewer than 3 are given; pycocotools fails).
 */
export function detSummaryEntries(p: CocoEvalParams): SummaryEntry[] {
  const md = (i: number) => p.maxDets[Math.min(i, p.maxDets.length - 1)];
  return [
    { ap: true, area: 'all', maxDets: 100 },
    { ap: true, iouThr: 0.5, area: 'all', maxDets: md(2) },
    { ap: true, iouThr: 0.75, area: 'all', maxDets: md(2) },
    { ap: true, area: 'small', maxDets: md(2) },
    { ap: true, area: 'medium', maxDets: md(2) },
    { ap: true, area: 'large', maxDets: md(2) },
    { ap: false, area: 'all', maxDets: md(0) },
    { ap: false, area: 'all', maxDets: md(1) },
    { ap: false, area: 'all', maxDets: md(2) },
    { ap: false, area: 'small', maxDets: md(2) },
    { ap: false, area: 'medium', maxDets: md(2) },
    { ap: false, area: 'large', maxDets: md(2) },
  ];
}

/**
 * `_summarize`: mean of the selected precision (or recall) entries that are > -1, in numpy's C
 * order and summation; -1 when none is defined. `categories` restricts the K axis (per-class AP).
 */
export function summarizeEntry(
  entry: SummaryEntry, p: CocoEvalParams, precision: NdArray, recall: NdArray, categories?: number[],
): number {
  const tList = p.iouThrs.flatMap((thr, t) => (entry.iouThr === undefined || thr === entry.iouThr ? [t] : []));
  const a = p.areaRngLbl.indexOf(entry.area);
  const m = p.maxDets.indexOf(entry.maxDets);
  if (a < 0 || m < 0) return -1;
  const [, R, K, A, M] = precision.shape;
  const kList = categories ?? Array.from({ length: K }, (_, k) => k);
  const picked: number[] = [];
  for (const t of tList) {
    if (entry.ap) {
      for (let r = 0; r < R; r++) {
        for (const k of kList) {
          const v = precision.data[(((t * R + r) * K + k) * A + a) * M + m];
          if (v > -1) picked.push(v);
        }
      }
    } else {
      for (const k of kList) {
        const v = recall.data[((t * K + k) * A + a) * M + m];
        if (v > -1) picked.push(v);
      }
    }
  }
  return picked.length ? numpyMean(picked) : -1;
}

/** Python's '{:0.3f}': correctly rounded, exact ties to even (JS toFixed rounds ties up). */
export function formatFixed3(x: number): string {
  const scaled = x * 16;
  // Exact decimal ties at 3 places are exactly the odd multiples of 1/16.
  if (Number.isInteger(scaled) && Math.abs(scaled) % 2 === 1) {
    const lower = Math.floor(x * 1000);
    const even = lower % 2 === 0 ? lower : lower + 1;
    return (even / 1000).toFixed(3);
  }
  return x.toFixed(3);
}

/** One summary line exactly as pycocotools prints it. */
export function summaryLine(entry: SummaryEntry, p: CocoEvalParams, value: number): string {
  const title = (entry.ap ? 'Average Precision' : 'Average Recall').padEnd(18);
  const type = entry.ap ? '(AP)' : '(AR)';
  const iou = entry.iouThr === undefined
    ? `${p.iouThrs[0].toFixed(2)}:${p.iouThrs[p.iouThrs.length - 1].toFixed(2)}`
    : entry.iouThr.toFixed(2);
  return ` ${title} ${type} @[ IoU=${iou.padEnd(9)} | area=${entry.area.padStart(6)} | maxDets=${String(entry.maxDets).padStart(3)} ] = ${formatFixed3(value)}`;
}
