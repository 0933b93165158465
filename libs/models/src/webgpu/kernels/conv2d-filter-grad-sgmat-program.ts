import { SplitKFilterGradProgram, type FilterGradShape } from './conv2d-filter-grad-program';
import {
  F16_ROW_PAD, POW2_SCALE_FN, scratchLd, scratchRows, scratchRowToTileRow, sgmatWorkgroupBytes, subgroupMatrixBlocks,
  type MatrixUnit, type SgmatTileLayout, type SgmatTiling,
} from './subgroup-matrix-wgsl';
import { filterGradLoads, filterGradStagingSetup, filterGradStores } from './filter-grad-wgsl';
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
export class SgmatFilterGradProgram extends SplitKFilterGradProgram {
  /** x, dy and `bmax` (maxAbsBits of dy): dY is scaled into f16's range (see POW2_SCALE_FN). */
  override readonly variableNames = ['x', 'dy', 'bmax'];
  readonly workgroupBytes: number;

  constructor(s: FilterGradShape, splits: number, readonly t: SgmatTiling, readonly unit: MatrixUnit) {
    super(s, splits, t);
    const { tileM, tileN, tileK, sgRows, sgCols } = t;
    const threads = unit.subgroupSize * sgRows * sgCols;
    const bad = tileK % unit.K || tileM % (sgRows * unit.M) || tileN % (sgCols * unit.N) || tileN % 4 ||
      threads % tileM || threads % tileN || (tileK * tileM) % threads || (tileK * tileN) % threads;
    if (bad) throw new Error(`SgmatFilterGradProgram: tiling ${JSON.stringify(t)} does not fit ${JSON.stringify(unit)}`);
    this.workgroupSize = [threads, 1, 1];
    this.workgroupBytes = sgmatWorkgroupBytes(t, unit, this.layout());
    this.shaderKey = `detSgmatFilterGrad_${Object.values(s).join('_')}_${splits}_${Object.values(t).join('_')}_${Object.values(unit).join('_')}`;
  }

  /** X tile: tileK rows of tileM (K-major); dY tile: tileK rows of tileN; rows padded. */
  private layout(): SgmatTileLayout {
    const { tileM, tileN, tileK } = this.t;
    return { rowsA: tileK, ldA: tileM + F16_ROW_PAD, rowsB: tileK, ldB: tileN + F16_ROW_PAD };
  }

  getUserCode(): string {
    const s = this.s;
    const { tileM, tileN, tileK } = this.t;
    const layout = this.layout();
    const ldc = scratchLd(this.t);
    const threads = this.workgroupSize[0];
    const passRows = scratchRows(this.t, this.unit);
    // X tile K-major ((m, k) at k·LDA + m: column-major M × K), dY tile row-major K × N
    const mm = subgroupMatrixBlocks(this.t, this.unit, 'col_major', 'row_major');
    const steps = this.chunk / tileK;
    return `
      enable f16;
      enable subgroups;
      enable chromium_experimental_subgroup_matrix;
      ${SUBGROUP_ID_MARKER}
${this.gemmConstants()}
      const LDA = ${layout.ldA}u;
      const LDB = ${layout.ldB}u;
      const LDC = ${ldc}u;
      var<workgroup> tileA : array<f16, ${layout.rowsA * layout.ldA}>;
      var<workgroup> tileB : array<f16, ${layout.rowsB * layout.ldB}>;
      var<workgroup> scratch : array<f32, ${passRows * ldc}>;
      var<private> pUnscale = 1.0;
${POW2_SCALE_FN}

      /** Writes one pass of scratch to this split's partial sum. */
      fn storePass(rowOffset : i32) {
        let out = i32(workgroupId.z) * M;
        let m0 = i32(workgroupId.y) * ${tileM};
        let n0 = i32(workgroupId.x) * ${tileN};
        for (var e = i32(localIndex); e < ${passRows * tileN}; e = e + ${threads}) {
          let lr = e / ${tileN};
          let col = n0 + e % ${tileN};
          let row = m0 + ${scratchRowToTileRow(this.t, this.unit, 'lr')};
          if (row < M && col < N) { result[(out + row) * N + col] = scratch[u32(lr) * LDC + u32(e % ${tileN})] * pUnscale; }
        }
      }

      fn main(sid : u32) {
        _ = uniforms.outShape;
        let n0 = i32(workgroupId.x) * ${tileN};
        let m0 = i32(workgroupId.y) * ${tileM};
        let kBegin = i32(workgroupId.z) * CHUNK;
        let kEnd = min(kBegin + CHUNK, K);
        let sh = pow2Shift(bmax[0]);
        let scaleB = pow2(sh);
        pUnscale = pow2(-sh);
${filterGradStagingSetup(s, tileM, tileN, threads, (tileK * tileM) / threads)}
${mm.setup}
        // A constant trip count keeps the barriers in uniform control flow; rows past kEnd read 0.
        // Software-pipelined: step s+1's global loads are issued before step s's multiplies.
${filterGradLoads(s, this.t, threads, 'kBegin')}
        for (var step = 0; step < ${steps}; step = step + 1) {
${filterGradStores(this.t, threads, (kk, v) => `tileA[u32(${kk}) * LDA + u32(mm)] = f16(${v});`, (kk, v) => `tileB[u32(${kk}) * LDB + u32(nn)] = f16(${v} * scaleB);`)}
          workgroupBarrier();
          if (step + 1 < ${steps}) {
${filterGradLoads(s, this.t, threads, `kBegin + (step + 1) * ${tileK}`)}
          }
          for (var kk = 0u; kk < ${tileK}u; kk = kk + ${this.unit.K}u) {
            ${mm.step}
          }
          workgroupBarrier();
        }
${mm.stores}
      }
    `;
  }
}
