import type { FilterGradShape } from './conv2d-filter-grad-program';

/**
 * The staging the split-K filter-gradient programs with per-thread columns share
 * (FilterGradVec4Program on f32 registers, SgmatFilterGradProgram on subgroup matrices): each
 * thread stages the same X tile column m = (kh, kw, ci) in every K step (threads a multiple of
 * tileM), so (kh, kw, ci) is decomposed once, and its rows k = (b, oh, ow) advance by tileK per
 * step, carried forward with compares instead of divisions; dY likewise by fixed column n.
 * Expects `kBegin`, `kEnd`, `m0`, `n0` (and, in the step, `k0`) in scope; `store(kk, v)` is the
 * WGSL statement that puts value v of tile row kk (of this thread's column) into workgroup memory.
 */
export function filterGradStagingSetup(s: FilterGradShape, tileM: number, tileN: number, threads: number, slotsX: number): string {
  return `
        // X staging: this thread's column m (fixed) and rows kk = kx0 + ${threads / tileM}·slot.
        let mm = i32(localIndex) % ${tileM};
        let kx0 = i32(localIndex) / ${tileM};
        let m = m0 + mm;
        let ci = m % ${s.inC};
        let kw = (m / ${s.inC}) % ${s.kW};
        let kh = m / ${s.inC * s.kW};
        let mOk = m < M;
        // (b, oh, ow) of each staged row, carried from step to step
        var xk : array<i32, ${slotsX}>;
        var xb : array<i32, ${slotsX}>;
        var xoh : array<i32, ${slotsX}>;
        var xow : array<i32, ${slotsX}>;
        for (var sl = 0; sl < ${slotsX}; sl = sl + 1) {
          let k = kBegin + kx0 + sl * ${threads / tileM};
          xk[sl] = k;
          xow[sl] = k % OUTW;
          xoh[sl] = (k / OUTW) % OUTH;
          xb[sl] = k / ${s.outW * s.outH};
        }
        // dY staging: column nn (fixed) and rows kk = ky0 + ${threads / tileN}·slot
        let nn = i32(localIndex) % ${tileN};
        let ky0 = i32(localIndex) / ${tileN};
        let n = n0 + nn;
        let nOk = n < N;
        // one K step's loaded values, between load and store
        var xv : array<f32, ${slotsX}>;
        var dv : array<f32, ${(slotsX * tileN) / tileM}>;`;
}

/**
 * One K step's loads into this thread's registers `xv` (X rows, which then advance by tileK) and
 * `dv` (dY rows from k0, a WGSL expression).
 */
export function filterGradLoads(s: FilterGradShape, t: { tileM: number; tileN: number; tileK: number }, threads: number, k0: string): string {
  return `
          for (var sl = 0; sl < ${(t.tileK * t.tileM) / threads}; sl = sl + 1) {
            let ih = xoh[sl] * ${s.strideH} + kh - ${s.padTop};
            let iw = xow[sl] * ${s.strideW} + kw - ${s.padLeft};
            xv[sl] = 0.0;
            if (mOk && xk[sl] < kEnd && ih >= 0 && ih < ${s.inH} && iw >= 0 && iw < ${s.inW}) {
              xv[sl] = x[((xb[sl] * ${s.inH} + ih) * ${s.inW} + iw) * ${s.inC} + ci];
            }
            // advance this row by tileK: (b, oh, ow) with carries, no division
            xk[sl] = xk[sl] + ${t.tileK};
            xow[sl] = xow[sl] + ${t.tileK};
            while (xow[sl] >= OUTW) {
              xow[sl] = xow[sl] - OUTW;
              xoh[sl] = xoh[sl] + 1;
              if (xoh[sl] >= OUTH) { xoh[sl] = 0; xb[sl] = xb[sl] + 1; }
            }
          }
          for (var sl = 0; sl < ${(t.tileK * t.tileN) / threads}; sl = sl + 1) {
            let k = ${k0} + ky0 + sl * ${threads / t.tileN};
            dv[sl] = 0.0;
            if (nOk && k < kEnd) { dv[sl] = dy[k * N + n]; }
          }`;
}

/** Puts the loaded registers into the staged tiles through `storeX(kk, v)` / `storeDy(kk, v)`. */
export function filterGradStores(
  t: { tileM: number; tileN: number; tileK: number }, threads: number,
  storeX: (kk: string, v: string) => string, storeDy: (kk: string, v: string) => string,
): string {
  return `
          for (var sl = 0; sl < ${(t.tileK * t.tileM) / threads}; sl = sl + 1) {
            ${storeX(`kx0 + sl * ${threads / t.tileM}`, 'xv[sl]')}
          }
          for (var sl = 0; sl < ${(t.tileK * t.tileN) / threads}; sl = sl + 1) {
            let kk = ky0 + sl * ${threads / t.tileN};
            ${storeDy('kk', 'dv[sl]')}
          }`;
}

/** One K step's staging of the X tile and the dY tile (loads, then stores), from k0 in scope. */
export function filterGradStagingStep(
  s: FilterGradShape, t: { tileM: number; tileN: number; tileK: number }, threads: number,
  storeX: (kk: string, v: string) => string, storeDy: (kk: string, v: string) => string,
): string {
  return filterGradLoads(s, t, threads, 'k0') + filterGradStores(t, threads, storeX, storeDy);
}
