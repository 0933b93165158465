import { inputGradPhases, type GemmEpilogue, type InputGradShape } from './conv2d-input-grad-program';
import type { WebGpuProgramLike } from './webgpu-backend-like';
import { SUBGROUP_ID_MARKER } from '../shader-hooks';

/** An f16 × f16 → f32 subgroup-matrix shape the device offers (Dawn's subgroupMatrixConfigs). */
export interface MatrixUnit {
  /** The device's subgroup size (the workgroup is a whole number of subgroups). */
  subgroupSize: number;
  M: number; N: number; K: number;
}

/**
 * How one workgroup tiles the GEMM on matrix units: tileM × tileN outputs, split over sgRows ×
 * sgCols subgroups (each owns (tileM/sgRows) × (tileN/sgCols) = several M×N result matrices),
 * tileK of the K axis staged (as f16) per step.
 */
export interface SgmatTiling { tileM: number; tileN: number; tileK: number; sgRows: number; sgCols: number }

/** Candidate tilings (kernel tuning times each; conv-variants.spec checks each vs cpu). */
export const SGMAT_TILINGS: Record<string, SgmatTiling> = {
  S_64x64k32_2x2: { tileM: 64, tileN: 64, tileK: 32, sgRows: 2, sgCols: 2 },
  T_128x64k32_4x2: { tileM: 128, tileN: 64, tileK: 32, sgRows: 4, sgCols: 2 },
  U_64x32k32_2x2: { tileM: 64, tileN: 32, tileK: 32, sgRows: 2, sgCols: 2 },
};

/**
 * WGSL for the f16 range: pow2Shift(bits of max |v|) is the power of two that brings max |v| into
 * [2^14, 2^15) (below f16's largest, 65504), so values down to max·2^-28 stay normal f16 — gradients
 * are often far below f16's smallest normal (6e-5) and would flush to zero or lose bits
 * unscaled. A power of two changes no rounding; the result is scaled back by pow2(-shift).
 */
export const POW2_SCALE_FN = `
      fn pow2Shift(maxBits : i32) -> i32 {
        if (maxBits <= 0) { return 0; }
        return clamp(14 - (((maxBits >> 23u) & 0xff) - 127), -126, 126);
      }
      fn pow2(e : i32) -> f32 { return bitcast<f32>(u32(127 + e) << 23u); }`;

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

  constructor(
    readonly s: InputGradShape,
    readonly t: SgmatTiling,
    readonly unit: MatrixUnit,
    readonly epilogue: GemmEpilogue = { bias: false, relu: false },
    /** Scale dY into f16's range by a power of two from max |dY| (a last input, `amax`: maxAbsBits). */
    readonly scaleA = false,
  ) {
    const { tileM, tileN, tileK, sgRows, sgCols } = t;
    const threads = unit.subgroupSize * sgRows * sgCols;
    const bad =
      tileK % 4 || tileK % unit.K || tileM % (sgRows * unit.M) || tileN % (sgCols * unit.N) || tileN % 4 || threads % (tileK / 4);
    if (bad) throw new Error(`bad subgroup-matrix tiling ${JSON.stringify(t)} for ${JSON.stringify(unit)}`);
    this.outputShape = [s.batch, s.inH, s.inW, s.inC];
    this.workgroupSize = [threads, 1, 1];
    const phases = inputGradPhases(s);
    this.dispatch = [Math.ceil(s.inC / tileN), Math.max(...phases.map((p) => Math.ceil(p.pixels / tileM))), phases.length];
    this.vecIn = s.outC % 4 === 0;
    this.vecOut = s.inC % 4 === 0;
    this.variableNames = [...(epilogue.bias ? ['dy', 'w', 'bias'] : ['dy', 'w']), ...(scaleA ? ['amax'] : [])];
    this.variableComponents = [...(this.vecIn ? [4, 4] : [1, 1]), ...(epilogue.bias ? [this.vecOut ? 4 : 1] : []), ...(scaleA ? [1] : [])];
    this.outputComponent = this.vecOut ? 4 : 1;
    this.workgroupBytes = 2 * tileK * (tileM + tileN) + 4 * sgRows * unit.M * tileN;
    this.shaderKey = `detSgmatPhaseGemm_${Object.values(s).join('_')}_${Object.values(t).join('_')}_${Object.values(unit).join('_')}_${+epilogue.bias}${+epilogue.relu}${+scaleA}`;
  }

  getUserCode(): string {
    const s = this.s;
    const { tileM, tileN, tileK, sgRows, sgCols } = this.t;
    const { M, N, K } = this.unit;
    const threads = this.workgroupSize[0];
    const quads = tileK / 4;
    const rowsPerPass = threads / quads;
    const slotsDy = Math.ceil(tileM / rowsPerPass);
    const slotsW = Math.ceil(tileN / rowsPerPass);
    const nPW = Math.min(s.strideW, s.inW);
    const coSteps = Math.ceil(s.outC / tileK);
    const SM = tileM / sgRows; // rows per subgroup
    const SN = tileN / sgCols; // columns per subgroup
    const tilesM = SM / M;
    const tilesN = SN / N;
    const passRows = sgRows * M; // tile rows in the scratch per store pass
    const left = `subgroup_matrix_left<f16, ${K}, ${M}>`;
    const right = `subgroup_matrix_right<f16, ${N}, ${K}>`;
    const result = `subgroup_matrix_result<f32, ${N}, ${M}>`;
    const accs: string[] = [];
    const mma: string[] = [];
    const stores: string[] = [];
    for (let tm = 0; tm < tilesM; tm++) {
      mma.push(`let l${tm} = subgroupMatrixLoad<${left}, row_major>(&tileA, (aRow + ${tm * M}u) * LDA + kk, LDA);`);
    }
    for (let tn = 0; tn < tilesN; tn++) {
      mma.push(`let r${tn} = subgroupMatrixLoad<${right}, col_major>(&tileB, (bCol + ${tn * N}u) * LDB + kk, LDB);`);
    }
    for (let tm = 0; tm < tilesM; tm++) {
      const row: string[] = [];
      for (let tn = 0; tn < tilesN; tn++) {
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
    const loadStep = `{
          let co = c0 + 4 * q;
          let wTap = ((k0h + SH * a) * KW + k0w + SW * b) * INC;
          for (var sl = 0; sl < ${slotsDy}; sl = sl + 1) {
            let oh = rowI[sl] - a;
            let ow = rowJ[sl] - b;
            let ok = rowOk[sl] && oh >= 0 && oh < OUTH && ow >= 0 && ow < OUTW;
            dyQuad[sl] = loadDy(rowBase[sl] - (a * OUTW + b) * OUTC + c0, co, ok);
          }
          for (var sl = 0; sl < ${slotsW}; sl = sl + 1) {
            let r = r0 + sl * ${rowsPerPass};
            let ci = n0 + r;
            wQuad[sl] = loadW((wTap + ci) * OUTC + co, co, r < ${tileN} && ci < INC);
          }
          c0 = c0 + ${tileK};
          if (c0 >= OUTC) {
            c0 = 0;
            b = b + 1;
            if (b >= tapsW) { b = 0; a = a + 1; }
          }
        }`;
    const load = (buf: string) => this.vecIn
      ? `if (ok && co < OUTC) { return ${buf}[idx / 4]; }
        return vec4<f32>(0.0);`
      : `var v = vec4<f32>(0.0);
        if (ok) {
          for (var c = 0; c < 4; c = c + 1) {
            if (co + c < OUTC) { v[c] = ${buf}[idx + c]; }
          }
        }
        return v;`;
    const epi = (v: string, bias: string, zero: string) => {
      const biased = this.epilogue.bias ? `(${v} + ${bias})` : v;
      return this.epilogue.relu ? `select(${biased}, ${zero}, ${biased} < ${zero})` : biased;
    };
    const store = this.vecOut
      ? `let v = vec4<f32>(scratch[e], scratch[e + 1], scratch[e + 2], scratch[e + 3]) * pUnscale;
            result[(base + n) / 4] = ${epi('v', 'bias[n / 4]', 'vec4<f32>(0.0)')};`
      : `for (var c = 0; c < 4; c = c + 1) {
              if (n + c < INC) { let v = scratch[e + u32(c)] * pUnscale; result[base + n + c] = ${epi('v', 'bias[n + c]', '0.0')}; }
            }`;
    return `
      enable f16;
      enable subgroups;
      enable chromium_experimental_subgroup_matrix;
      ${SUBGROUP_ID_MARKER}
      const INH = ${s.inH};
      const INW = ${s.inW};
      const INC = ${s.inC};
      const OUTH = ${s.outH};
      const OUTW = ${s.outW};
      const OUTC = ${s.outC};
      const KH = ${s.kH};
      const KW = ${s.kW};
      const SH = ${s.strideH};
      const SW = ${s.strideW};
      const LDA = ${tileK}u;
      const LDB = ${tileK}u;
      const LDC = ${tileN}u;
      var<workgroup> tileA : array<f16, ${tileM * tileK}>; // pixel-major: (r, k) at r·LDA + k
      var<workgroup> tileB : array<f16, ${tileN * tileK}>; // channel-major: (k, n) at n·LDB + k
      var<workgroup> scratch : array<f32, ${passRows * tileN}>; // one store pass of results
      var<workgroup> wgId : vec3<u32>;
      var<private> pm0 : i32;
      var<private> pn0 : i32;
      var<private> pM : i32;
      var<private> pPh : i32;
      var<private> pPw : i32;
      var<private> pRowsP : i32;
      var<private> pColsP : i32;
      var<private> pUnscale = 1.0;
${POW2_SCALE_FN}

      fn loadDy(idx : i32, co : i32, ok : bool) -> vec4<f32> {
        ${load('dy')}
      }

      fn loadW(idx : i32, co : i32, ok : bool) -> vec4<f32> {
        ${load('w')}
      }

      /** Writes scratch (tile rows sgRow·${SM} + rowOffset + [0, ${M}) of every subgroup row) to dX. */
      fn storePass(rowOffset : i32) {
        for (var e4 = i32(localIndex); e4 < ${(passRows * tileN) / 4}; e4 = e4 + ${threads}) {
          let lr = e4 / ${tileN / 4};
          let c4 = e4 % ${tileN / 4};
          let m = pm0 + (lr / ${M}) * ${SM} + rowOffset + lr % ${M};
          let n = pn0 + 4 * c4;
          if (m < pM && n < INC) {
            let j = m % pColsP;
            let ni = m / pColsP;
            let ih = pPh + (ni % pRowsP) * SH;
            let iw = pPw + j * SW;
            let base = (((ni / pRowsP) * INH + ih) * INW + iw) * INC;
            let e = u32(lr) * LDC + 4u * u32(c4);
            ${store}
          }
        }
      }

      fn main(sid : u32) {
        _ = uniforms.outShape;
        if (localIndex == 0u) { wgId = workgroupId; }
        let wg = workgroupUniformLoad(&wgId);
        let phase = i32(wg.z);
        let ph = phase / ${nPW};
        let pw = phase % ${nPW};
        let k0h = (ph + ${s.padTop}) % SH;
        let k0w = (pw + ${s.padLeft}) % SW;
        let tapsH = select(0, (KH - k0h + SH - 1) / SH, k0h < KH);
        let tapsW = select(0, (KW - k0w + SW - 1) / SW, k0w < KW);
        let offH = (ph + ${s.padTop} - k0h) / SH;
        let offW = (pw + ${s.padLeft} - k0w) / SW;
        let rowsP = (INH - ph + SH - 1) / SH;
        let colsP = (INW - pw + SW - 1) / SW;
        let M = ${s.batch} * rowsP * colsP;
        let m0 = i32(wg.y) * ${tileM};
        let n0 = i32(wg.x) * ${tileN};
        if (m0 >= M) { return; }
        pm0 = m0; pn0 = n0; pM = M; pPh = ph; pPw = pw; pRowsP = rowsP; pColsP = colsP;
        ${this.scaleA ? `let sh = pow2Shift(amax[0]);
        let scaleA = pow2(sh);
        pUnscale = pow2(-sh);` : 'let scaleA = 1.0;'}

        let flat = i32(localIndex);
        let q = flat % ${quads};
        let r0 = flat / ${quads};
        var rowI : array<i32, ${slotsDy}>;
        var rowJ : array<i32, ${slotsDy}>;
        var rowBase : array<i32, ${slotsDy}>;
        var rowOk : array<bool, ${slotsDy}>;
        for (var sl = 0; sl < ${slotsDy}; sl = sl + 1) {
          let r = r0 + sl * ${rowsPerPass};
          let m = m0 + r;
          let j = m % colsP;
          let ni = m / colsP;
          rowI[sl] = (ni % rowsP) * ${s.gatherStrideH ?? 1} + offH;
          rowJ[sl] = j * ${s.gatherStrideW ?? 1} + offW;
          rowBase[sl] = (((ni / rowsP) * OUTH + rowI[sl]) * OUTW + rowJ[sl]) * OUTC + 4 * q;
          rowOk[sl] = r < ${tileM} && m < M;
        }
        // This subgroup's result block: rows aRow.., columns bCol.. of the tile (uniform offsets).
        let sgRow = (sid / ${sgCols}u) % ${sgRows}u;
        let sgCol = sid % ${sgCols}u;
        let aRow = sgRow * ${SM}u;
        let bCol = sgCol * ${SN}u;
        let sRow = sgRow * ${M}u * LDC + bCol;
        ${accs.join('\n        ')}
        let steps = tapsH * tapsW * ${coSteps};
        var a = 0;
        var b = 0;
        var c0 = 0;
        var dyQuad : array<vec4<f32>, ${slotsDy}>;
        var wQuad : array<vec4<f32>, ${slotsW}>;
        for (var step = 0; step < steps; step = step + 1) {
          ${loadStep}
          for (var sl = 0; sl < ${slotsDy}; sl = sl + 1) {
            let r = r0 + sl * ${rowsPerPass};
            if (r < ${tileM}) {
              let at = u32(r) * LDA + 4u * u32(q);
              let v = vec4<f16>(dyQuad[sl] * scaleA);
              tileA[at] = v.x; tileA[at + 1u] = v.y; tileA[at + 2u] = v.z; tileA[at + 3u] = v.w;
            }
          }
          for (var sl = 0; sl < ${slotsW}; sl = sl + 1) {
            let r = r0 + sl * ${rowsPerPass};
            if (r < ${tileN}) {
              let at = u32(r) * LDB + 4u * u32(q);
              let v = vec4<f16>(wQuad[sl]);
              tileB[at] = v.x; tileB[at + 1u] = v.y; tileB[at + 2u] = v.z; tileB[at + 3u] = v.w;
            }
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
