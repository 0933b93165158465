/**
 * Bit-exact stand-ins for the few numpy routines whose rounding shows up in evaluation results.
 * pycocotools and MMDetection compute their means and thresholds with numpy, so det reproduces
 * numpy's arithmetic order instead of writing the "obvious" loop (which differs in the last bits).
 */

/** numpy's pairwise summation of a float64 array (`np.add.reduce` on contiguous data). */
export function pairwiseSum(values: ArrayLike<number>, start = 0, count = values.length - start): number {
  if (count < 8) {
    let res = 0;
    for (let i = 0; i < count; i++) res += values[start + i];
    return res;
  }
  if (count <= 128) {
    // Eight interleaved accumulators, combined as a balanced tree, then the tail added in order.
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = values[start + j];
    let i = 8;
    const end = count - (count % 8);
    for (; i < end; i += 8) {
      for (let j = 0; j < 8; j++) r[j] += values[start + i + j];
    }
    let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < count; i++) res += values[start + i];
    return res;
  }
  // Split in two halves, the first a multiple of the unroll factor.
  let half = Math.floor(count / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, count - half);
}

/** `np.mean` of a non-empty float64 array: pairwise sum divided by the count. */
export function numpyMean(values: ArrayLike<number>): number {
  return pairwiseSum(values) / values.length;
}

/** `np.linspace(start, stop, num)` (endpoint included): `i * step + start`, last element `stop`. */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num <= 0) return [];
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out = new Array<number>(num);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

/** `np.arange(start, stop, step)` for a positive step (numpy fills `start + i * delta`). */
export function arange(start: number, stop: number, step: number): number[] {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const delta = start + step - start;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = start + i * delta;
  return out;
}

/** `np.searchsorted(sorted, value, side='left')`: first index whose element is >= value. */
export function searchSortedLeft(sorted: ArrayLike<number>, length: number, value: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
