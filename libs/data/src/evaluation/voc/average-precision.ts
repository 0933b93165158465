import { arange, pairwiseSum } from '../common/numpy-compat';

export type ApMode = 'area' | '11points';

/**
 * MMDetection's `average_precision` for one PR curve (recalls non-decreasing):
 * 'area' integrates the precision envelope exactly (VOC2010+), '11points' averages the best
 * precision at recall >= 0, 0.1, ..., 1 (VOC2007). Arithmetic in numpy's order, in float64.
 */
export function averagePrecision(recalls: ArrayLike<number>, precisions: ArrayLike<number>, mode: ApMode = 'area'): number {
  const n = recalls.length;
  if (mode === '11points') {
    let ap = 0;
    for (const thr of arange(0, 1 + 1e-3, 0.1)) {
      let best = -Infinity;
      for (let i = 0; i < n; i++) if (recalls[i] >= thr && precisions[i] > best) best = precisions[i];
      ap += best === -Infinity ? 0 : best;
    }
    return ap / 11;
  }
  if (mode !== 'area') throw new Error(`averagePrecision: mode must be 'area' or '11points' (got '${mode}')`);
  // Sentinels: recall 0 / 1 at both ends, precision 0.
  const mrec = new Float64Array(n + 2);
  const mpre = new Float64Array(n + 2);
  mrec[n + 1] = 1;
  for (let i = 0; i < n; i++) {
    mrec[i + 1] = recalls[i];
    mpre[i + 1] = precisions[i];
  }
  for (let i = n + 1; i > 0; i--) mpre[i - 1] = Math.max(mpre[i - 1], mpre[i]);
  const terms: number[] = [];
  for (let i = 0; i <= n; i++) if (mrec[i + 1] !== mrec[i]) terms.push((mrec[i + 1] - mrec[i]) * mpre[i + 1]);
  return pairwiseSum(terms);
}
