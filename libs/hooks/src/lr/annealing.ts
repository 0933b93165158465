/** MMCV's annealing_cos: from `start` (factor 0) to `end` (factor 1) along half a cosine. */
export function annealingCos(start: number, end: number, factor: number, weight = 1): number {
  const cosOut = Math.cos(Math.PI * factor) + 1;
  return end + 0.5 * weight * (start - end) * cosOut;
}
