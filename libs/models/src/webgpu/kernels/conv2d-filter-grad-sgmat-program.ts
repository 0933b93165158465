import { splitKGemm, type FilterGradShape } from './conv2d-filter-grad-program';
import { POW2_SCALE_FN, type MatrixUnit, type SgmatTiling } from './conv2d-phase-gemm-sgmat-program';
import type { WebGpuProgramLike } from './webgpu-backend-like';
import { SUBGROUP_ID_MARKER } from '../shader-hooks';

/**
 * Candidate tilings. Staging gives each thread one tile column (threads a multiple of tileM and
 * tileN), so these use 4×2 subgroups: 64 threads on 8-wide subgroups (lavapipe), 256 on 32-wide.
 */
export const FILTER_SGMAT_TILINGS: Record<string, SgmatTiling> = {
  P_64x64k32_4x2: { tileM: 64, tileN: 64, tileK: 32, sgRows: 4, sgCols: 2 },
  Q_128x64k32_4x2: { tileM: 128, tileN: 64, tileK: 32, sgRows: 4, sgCols: 2 },
  R_64x32k32_4x2: { tileM: 64, tileN: 32, tileK: 32, sgRows: 4, sgCols: 2 },
};

/**
 * The split-K filter-gradient GEMM (dW[m, n] = Σ_k X[m, k]·dY[k, n], m = (kh, kw, ci), n = co,
 * k = (b, oh, ow); same partial-sum output and sum pass as FilterGradPartialProgram) on matrix
 * units: staged X and dY are rounded to f16, the products accumulate in f32 (see
 * SgmatPhaseGemmProgram for the precision and the subgroup-id plumbing). Staging follows
 * FilterGradVec4Program: each thread owns one tile column, decomposes its (kh, kw, ci) once and
 * carries its rows' (b, oh, ow) forward by compares. The X tile is stored K-major (column-major
 * M × K) and the dY tile row-major K × N, the layouts both are loaded in, so neither is transposed.
 */
export class SgmatFilterGradProgram implements WebGpuProgramLike {
  /** x, dy and `bmax` (maxAbsBits of dy): dY is scaled into f16's range (see POW2_SCALE_FN). */
  readonly variableNames = ['x', 'dy', 'bmax'];
  readonly workgroupSize: [number, number, number];
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [2], y: [1], z: [0] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;
  readonly workgroupBytes: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly chunk: number;

  constructor(readonly s: FilterGradShape, readonly splits: number, readonly t: SgmatTiling, readonly unit: MatrixUnit) {
    const { tileM, tileN, tileK, sgRows, sgCols } = t;
    const threads = unit.subgroupSize * sgRows * sgCols;
    const bad = tileK % unit.K || tileM % (sgRows * unit.M) || tileN % (sgCols * unit.N) || tileN % 4 ||
      threads % tileM || threads % tileN || (tileK * tileM) % threads || (tileK * tileN) % threads;
    if (bad) throw new Error(`SgmatFilterGradProgram: tiling ${JSON.stringify(t)} does not fit ${JSON.stringify(unit)}`);
    ({ m: this.m, n: this.n, k: this.k, chunk: this.chunk, outputShape: this.outputShape, dispatch: this.dispatch } = splitKGemm(s, splits, t));
    this.workgroupSize = [threads, 1, 1];
    this.workgroupBytes = 2 * tileK * (tileM + tileN) + 4 * sgRows * unit.M * tileN;
    this.shaderKey = `detSgmatFilterGrad_${Object.values(s).join('_')}_${splits}_${Object.values(t).join('_')}_${Object.values(unit).join('_')}`;
  }

  getUserCode(): string {
    const s = this.s;
    const { tileM, tileN, tileK, sgRows, sgCols } = this.t;
    const { M, N, K } = this.unit;
    const threads = this.workgroupSize[0];
    const slotsX = (tileK * tileM) / threads;
    const slotsDy = (tileK * tileN) / threads;
    const SM = tileM / sgRows;
    const SN = tileN / sgCols;
    const passRows = sgRows * M;
    const left = `subgroup_matrix_left<f16, ${K}, ${M}>`;
    const right = `subgroup_matrix_right<f16, ${N}, ${K}>`;
    const result = `subgroup_matrix_result<f32, ${N}, ${M}>`;
    const accs: string[] = [];
    const mma: string[] = [];
    const stores: string[] = [];
    for (let tm = 0; tm < SM / M; tm++) {
      mma.push(`let l${tm} = subgroupMatrixLoad<${left}, col_major>(&tileA, kk * LDA + aRow + ${tm * M}u, LDA);`);
    }
    for (let tn = 0; tn < SN / N; tn++) {
      mma.push(`let r${tn} = subgroupMatrixLoad<${right}, row_major>(&tileB, kk * LDB + bCol + ${tn * N}u, LDB);`);
    }
    for (let tm = 0; tm < SM / M; tm++) {
      const row: string[] = [];
      for (let tn = 0; tn < SN / N; tn++) {
        accs.push(`var acc${tm}_${tn} = ${result}();`);
        mma.push(`acc${tm}_${tn} = subgroupMatrixMultiplyAccumulate(l${tm}, r${tn}, acc${tm}_${tn});`);
        row.push(`subgroupMatrixStore<row_major>(&scratch, sRow + ${tn * N}u, acc${tm}_${tn}, LDC);`);
      }
      stores.push(`
        ${row.join('\n        ')}
        workgroupBarrier();
        storePass(${tm * M});
        workgroupBarrier();`);
    }
    return `
      enable f16;
      enable subgroups;
      enable chromium_experimental_subgroup_matrix;
      ${SUBGROUP_ID_MARKER}
      const M = ${this.m};
      const N = ${this.n};
      const K = ${this.k};
      const CHUNK = ${this.chunk};
      const OUTH = ${s.outH};
      const OUTW = ${s.outW};
      const LDA = ${tileM}u;
      const LDB = ${tileN}u;
      const LDC = ${tileN}u;
      var<workgroup> tileA : array<f16, ${tileK * tileM}>; // X tile, (m, k) at k·LDA + m
      var<workgroup> tileB : array<f16, ${tileK * tileN}>; // dY tile, (k, n) at k·LDB + n
      var<workgroup> scratch : array<f32, ${passRows * tileN}>;
      var<private> pUnscale = 1.0;
${POW2_SCALE_FN}

      /** Writes scratch (tile rows sgRow·${SM} + rowOffset + [0, ${M}) of every subgroup row) to this split's partial sum. */
      fn storePass(rowOffset : i32) {
        let out = i32(workgroupId.z) * M;
        let m0 = i32(workgroupId.y) * ${tileM};
        let n0 = i32(workgroupId.x) * ${tileN};
        for (var e = i32(localIndex); e < ${passRows * tileN}; e = e + ${threads}) {
          let lr = e / ${tileN};
          let col = n0 + e % ${tileN};
          let row = m0 + (lr / ${M}) * ${SM} + rowOffset + lr % ${M};
          if (row < M && col < N) { result[(out + row) * N + col] = scratch[e] * pUnscale; }
        }
      }

      fn main(sid : u32) {
        _ = uniforms.outShape;
        let flat = i32(localIndex);
        let n0 = i32(workgroupId.x) * ${tileN};
        let m0 = i32(workgroupId.y) * ${tileM};
        let kBegin = i32(workgroupId.z) * CHUNK;
        let kEnd = min(kBegin + CHUNK, K);
        let sh = pow2Shift(bmax[0]);
        let scaleB = pow2(sh);
        pUnscale = pow2(-sh);

        let mm = flat % ${tileM};
        let kx0 = flat / ${tileM};
        let m = m0 + mm;
        let ci = m % ${s.inC};
        let kw = (m / ${s.inC}) % ${s.kW};
        let kh = m / ${s.inC * s.kW};
        let mOk = m < M;
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
        let nn = flat % ${tileN};
        let ky0 = flat / ${tileN};
        let n = n0 + nn;
        let nOk = n < N;

        let sgRow = (sid / ${sgCols}u) % ${sgRows}u;
        let sgCol = sid % ${sgCols}u;
        let aRow = sgRow * ${SM}u;
        let bCol = sgCol * ${SN}u;
        let sRow = sgRow * ${M}u * LDC + bCol;
        ${accs.join('\n        ')}
        for (var step = 0; step < ${this.chunk / tileK}; step = step + 1) {
          let k0 = kBegin + step * ${tileK};
          for (var sl = 0; sl < ${slotsX}; sl = sl + 1) {
            let ih = xoh[sl] * ${s.strideH} + kh - ${s.padTop};
            let iw = xow[sl] * ${s.strideW} + kw - ${s.padLeft};
            var v = 0.0;
            if (mOk && xk[sl] < kEnd && ih >= 0 && ih < ${s.inH} && iw >= 0 && iw < ${s.inW}) {
              v = x[((xb[sl] * ${s.inH} + ih) * ${s.inW} + iw) * ${s.inC} + ci];
            }
            tileA[u32(kx0 + sl * ${threads / tileM}) * LDA + u32(mm)] = f16(v);
            xk[sl] = xk[sl] + ${tileK};
            xow[sl] = xow[sl] + ${tileK};
            while (xow[sl] >= OUTW) {
              xow[sl] = xow[sl] - OUTW;
              xoh[sl] = xoh[sl] + 1;
              if (xoh[sl] >= OUTH) { xoh[sl] = 0; xb[sl] = xb[sl] + 1; }
            }
          }
          for (var sl = 0; sl < ${slotsDy}; sl = sl + 1) {
            let kk = ky0 + sl * ${threads / tileN};
            let k = k0 + kk;
            var v = 0.0;
            if (nOk && k < kEnd) { v = dy[k * N + n]; }
            tileB[u32(kk) * LDB + u32(nn)] = f16(v * scaleB);
          }
          workgroupBarrier();
          for (var kk = 0u; kk < ${tileK}u; kk = kk + ${K}u) {
            ${mma.join('\n            ')}
          }
          workgroupBarrier();
        }
        ${stores.join('\n')}
      }
    `;
  }
}
