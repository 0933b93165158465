import type { GemmEpilogue, InputGradShape } from './conv2d-input-grad-program';
import type { WebGpuProgramLike } from './webgpu-backend-like';
import { SUBGROUP_ID_MARKER } from '../shader-hooks';
import {
  epilogueValue, phaseGemmConstants, phaseGemmDispatch, phaseLoadStep, phasePixelBase, phaseRowSetup, phaseStaging, phaseWorkgroupSetup, quadLoaders,
} from './phase-gemm-wgsl';
import {
  F16_ROW_PAD, POW2_SCALE_FN, scratchLd, scratchRows, scratchRowToTileRow, sgmatWorkgroupBytes, subgroupMatrixBlocks,
  type MatrixUnit, type SgmatTileLayout, type SgmatTiling,
} from './subgroup-matrix-wgsl';

export type { MatrixUnit, SgmatTiling } from './subgroup-matrix-wgsl';

/** Candidate tilings (kernel tuning times each; conv-variants.spec checks each vs cpu). */
export const SGMAT_TILINGS: Record<string, SgmatTiling> = {
  S_64x64k32_2x2: { tileM: 64, tileN: 64, tileK: 32, sgRows: 2, sgCols: 2 },
  T_128x64k32_4x2: { tileM: 128, tileN: 64, tileK: 32, sgRows: 4, sgCols: 2 },
  U_64x32k32_2x2: { tileM: 64, tileN: 32, tileK: 32, sgRows: 2, sgCols: 2 },
  // twice the result matrices per subgroup (64×32): more multiplies per matrix load, for GPUs
  // where loads from workgroup memory, not the matrix units, set the pace
  Y_128x64k32_2x2: { tileM: 128, tileN: 64, tileK: 32, sgRows: 2, sgCols: 2 },
  // 16-channel layers (the reference step's costliest input gradient is 32 → 16 channels, stride 2)
  W_128x16k32_4x1: { tileM: 128, tileN: 16, tileK: 32, sgRows: 4, sgCols: 1 },
};

/**
 * det's phase GEMM (conv2d-input-grad-program.ts: input gradients of any stride, and forward
 * convs through the filter flip) on the GPU's matrix units — tensor cores on NVIDIA, reached
 * from WebGPU through Dawn's `chromium-experimental-subgroup-matrix` (VK_KHR_cooperative_matrix).
 * The gather is the phase GEMM's (same K order: taps × output-channel chunks); the staged tiles
 * are rounded to f16 and the products accumulate in f32, so results differ from f32 by about
 * f16's rounding (2^-11 relative per operand), like cuDNN's TF32 convolutions, which PyTorch uses
 * by default. Only with WebGpuSetupOptions.convPrecision 'f16'.
 *
 * Layout: the dY tile is staged row-major (pixel × K), the W tile column-major (K × channel, one
 * channel's K run contiguous, as loaded), so both load as subgroup matrices without a transpose.
 * Each subgroup's results go through a workgroup scratch (one result-matrix row of subgroups at
 * a time), where every thread stores them with the pixel → NHWC mapping and the epilogue.
 * Subgroup-matrix loads and stores need uniform offsets; Dawn accepts @builtin(subgroup_id)
 * (passed into main by shader-hooks.ts), not local ids.
 */
export interface SgmatPhaseGemmOptions {
  /** bias / ReLU in the store (forward convs) */
  epilogue?: GemmEpilogue;
  /** Scale dY into f16's range by a power of two from max |dY| (a last input, `amax`: maxAbsBits). */
  scaleA?: boolean;
  /**
   * A forward conv with its filter as given (HWIO: [KH, KW, in, out]) instead of flipped and
   * transposed: the taps are flipped in the index math and the W tile is staged row-major
   * (K × N, quads along N), which saves the flip dispatch.
   */
  directW?: boolean;
}

export class SgmatPhaseGemmProgram implements WebGpuProgramLike {
  readonly variableNames: string[];
  readonly variableComponents: number[];
  readonly outputComponent: number;
  readonly workgroupSize: [number, number, number];
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [3], y: [0, 1, 2] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;
  /** Workgroup memory the shader declares (bytes). */
  readonly workgroupBytes: number;
  private readonly vecIn: boolean;
  private readonly vecOut: boolean;

  readonly epilogue: GemmEpilogue;
  readonly scaleA: boolean;
  readonly directW: boolean;

  constructor(readonly s: InputGradShape, readonly t: SgmatTiling, readonly unit: MatrixUnit, options: SgmatPhaseGemmOptions = {}) {
    this.epilogue = options.epilogue ?? { bias: false, relu: false };
    this.scaleA = options.scaleA ?? false;
    this.directW = options.directW ?? false;
    const { epilogue, scaleA } = this;
    const { tileM, tileN, tileK, sgRows, sgCols } = t;
    const threads = unit.subgroupSize * sgRows * sgCols;
    const bad =
      tileK % 4 || tileK % unit.K || tileM % (sgRows * unit.M) || tileN % (sgCols * unit.N) || tileN % 4 || threads % (tileK / 4);
    if (bad || (this.directW && threads % (tileN / 4))) throw new Error(`bad subgroup-matrix tiling ${JSON.stringify(t)} for ${JSON.stringify(unit)}`);
    this.outputShape = [s.batch, s.inH, s.inW, s.inC];
    this.workgroupSize = [threads, 1, 1];
    this.dispatch = phaseGemmDispatch(s, tileM, tileN);
    this.vecIn = s.outC % 4 === 0;
    this.vecOut = s.inC % 4 === 0;
    this.variableNames = [...(epilogue.bias ? ['dy', 'w', 'bias'] : ['dy', 'w']), ...(scaleA ? ['amax'] : [])];
    const wComponents = this.directW ? (this.vecOut ? 4 : 1) : this.vecIn ? 4 : 1;
    this.variableComponents = [this.vecIn ? 4 : 1, wComponents, ...(epilogue.bias ? [this.vecOut ? 4 : 1] : []), ...(scaleA ? [1] : [])];
    this.outputComponent = this.vecOut ? 4 : 1;
    this.workgroupBytes = sgmatWorkgroupBytes(t, unit, this.layout(), 16); // + wgId (vec3<u32>)
    this.shaderKey = `detSgmatPhaseGemm_${Object.values(s).join('_')}_${Object.values(t).join('_')}_${Object.values(unit).join('_')}_${+epilogue.bias}${+epilogue.relu}${+scaleA}${+this.directW}`;
  }

  /** dY tile: tileM pixel rows of tileK; W tile: tileN channel rows of tileK, or (directW) tileK rows of tileN; rows padded. */
  private layout(): SgmatTileLayout {
    const { tileM, tileN, tileK } = this.t;
    return this.directW
      ? { rowsA: tileM, ldA: tileK + F16_ROW_PAD, rowsB: tileK, ldB: tileN + F16_ROW_PAD }
      : { rowsA: tileM, ldA: tileK + F16_ROW_PAD, rowsB: tileN, ldB: tileK + F16_ROW_PAD };
  }

  getUserCode(): string {
    const s = this.s;
    const { tileM, tileN, tileK } = this.t;
    const layout = this.layout();
    const threads = this.workgroupSize[0];
    const st = phaseStaging(s, tileM, tileN, tileK, threads);
    const passRows = scratchRows(this.t, this.unit);
    const mm = subgroupMatrixBlocks(this.t, this.unit, 'row_major', this.directW ? 'row_major' : 'col_major');
    // directW: thread t loads W quad nq = t % quadsN (4 output channels) of K rows kr0 + k·wRowsPerPass
    const quadsN = tileN / 4;
    const wRowsPerPass = threads / quadsN;
    const wSlots = this.directW ? Math.ceil(tileK / wRowsPerPass) : st.slotsW;
    const directLoad = `let khO = KH - 1 - (k0h + SH * a);
          let kwO = KW - 1 - (k0w + SW * b);
          let wTap = (khO * KW + kwO) * OUTC;
          for (var sl = 0; sl < ${wSlots}; sl = sl + 1) {
            let kq = kr0 + sl * ${wRowsPerPass};
            let k = c0 + kq;
            let n = n0 + 4 * nq;
            wQuad[sl] = loadWn((wTap + k) * INC + n, n, kq < ${tileK} && k < OUTC);
          }`;
    const directStage = `
          for (var sl = 0; sl < ${wSlots}; sl = sl + 1) {
            let kq = kr0 + sl * ${wRowsPerPass};
            if (kq < ${tileK}) {
              let at = u32(kq) * LDB + 4u * u32(nq);
              let v = vec4<f16>(wQuad[sl]);
              tileB[at] = v.x; tileB[at + 1u] = v.y; tileB[at + 2u] = v.z; tileB[at + 3u] = v.w;
            }
          }`;
    const loadWn = this.directW ? `
      /** A quad of W[kh, kw, k, n..n+3] (the forward filter as given) from flat index idx. */
      fn loadWn(idx : i32, n : i32, ok : bool) -> vec4<f32> {
        ${this.vecOut ? `if (ok && n < INC) { return w[idx / 4]; }
        return vec4<f32>(0.0);` : `var v = vec4<f32>(0.0);
        if (ok) {
          for (var c = 0; c < 4; c = c + 1) {
            if (n + c < INC) { v[c] = w[idx + c]; }
          }
        }
        return v;`}
      }` : '';
    const loadStep = phaseLoadStep(st, tileK, tileN, this.directW ? directLoad : undefined);
    const store = this.vecOut
      ? `let v = vec4<f32>(scratch[e], scratch[e + 1], scratch[e + 2], scratch[e + 3]) * pUnscale;
            result[(base + n) / 4] = ${epilogueValue(this.epilogue, 'v', 'bias[n / 4]', 'vec4<f32>(0.0)')};`
      : `for (var c = 0; c < 4; c = c + 1) {
              if (n + c < INC) { let v = scratch[e + u32(c)] * pUnscale; result[base + n + c] = ${epilogueValue(this.epilogue, 'v', 'bias[n + c]', '0.0')}; }
            }`;
    // staged quads → f16 tiles: dY pixel-major (r, k) at r·LDA + k, W channel-major (k, n) at n·LDB + k
    // (directW: row-major, (k, n) at k·LDB + n)
    const stage = (slots: number, rows: number, quad: string, tile: string, ld: string, scale: string) => `
          for (var sl = 0; sl < ${slots}; sl = sl + 1) {
            let r = r0 + sl * ${st.rowsPerPass};
            if (r < ${rows}) {
              let at = u32(r) * ${ld} + 4u * u32(q);
              let v = vec4<f16>(${quad}[sl]${scale});
              ${tile}[at] = v.x; ${tile}[at + 1u] = v.y; ${tile}[at + 2u] = v.z; ${tile}[at + 3u] = v.w;
            }
          }`;
    return `
      enable f16;
      enable subgroups;
      enable chromium_experimental_subgroup_matrix;
      ${SUBGROUP_ID_MARKER}
${phaseGemmConstants(s)}
      const LDA = ${layout.ldA}u;
      const LDB = ${layout.ldB}u;
      const LDC = ${scratchLd(this.t)}u;
      var<workgroup> tileA : array<f16, ${layout.rowsA * layout.ldA}>;
      var<workgroup> tileB : array<f16, ${layout.rowsB * layout.ldB}>;
      var<workgroup> scratch : array<f32, ${passRows * scratchLd(this.t)}>; // one store pass of results
      var<workgroup> wgId : vec3<u32>;
      // main's phase facts, for storePass
      var<private> pm0 : i32;
      var<private> pn0 : i32;
      var<private> pM : i32;
      var<private> pPh : i32;
      var<private> pPw : i32;
      var<private> pRowsP : i32;
      var<private> pColsP : i32;
      var<private> pUnscale = 1.0;
${POW2_SCALE_FN}
${quadLoaders(this.vecIn, !this.directW)}${loadWn}

      /** Writes one pass of scratch to dX (with the epilogue). */
      fn storePass(rowOffset : i32) {
        for (var e4 = i32(localIndex); e4 < ${(passRows * tileN) / 4}; e4 = e4 + ${threads}) {
          let lr = e4 / ${tileN / 4};
          let c4 = e4 % ${tileN / 4};
          let m = pm0 + ${scratchRowToTileRow(this.t, this.unit, 'lr')};
          let n = pn0 + 4 * c4;
          if (m < pM && n < INC) {
            ${phasePixelBase('m', 'pPh', 'pPw', 'pRowsP', 'pColsP')}
            let e = u32(lr) * LDC + 4u * u32(c4);
            ${store}
          }
        }
      }

      fn main(sid : u32) {
        _ = uniforms.outShape;
${phaseWorkgroupSetup(s, tileM, tileN, st.nPW)}
        pm0 = m0; pn0 = n0; pM = M; pPh = ph; pPw = pw; pRowsP = rowsP; pColsP = colsP;
        ${this.scaleA ? `let sh = pow2Shift(amax[0]);
        let scaleA = pow2(sh);
        pUnscale = pow2(-sh);` : ''}
${phaseRowSetup(s, st, tileM, wSlots)}
        ${this.directW ? `let nq = i32(localIndex) % ${quadsN};
        let kr0 = i32(localIndex) / ${quadsN};` : ''}
${mm.setup}
        // Software-pipelined: step s+1's global loads are issued before step s's multiplies, so
        // their latency overlaps the matrix units' work (same registers: the staged quads are in
        // workgroup memory by then).
        if (steps > 0) ${loadStep}
        for (var step = 0; step < steps; step = step + 1) {
          ${stage(st.slotsDy, tileM, 'dyQuad', 'tileA', 'LDA', this.scaleA ? ' * scaleA' : '')}
          ${this.directW ? directStage : stage(st.slotsW, tileN, 'wQuad', 'tileB', 'LDB', '')}
          workgroupBarrier();
          if (step + 1 < steps) ${loadStep}
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
