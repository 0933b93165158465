import type { GemmEpilogue, InputGradShape } from './conv2d-input-grad-program';

/**
 * The WGSL pieces det's phase GEMM programs share (InputGradProgram on f32 registers,
 * SgmatPhaseGemmProgram on subgroup matrices): which stride phase and rows a workgroup owns, the
 * per-thread gather of dY and W quads (4 consecutive K values, i.e. output channels, of one pixel
 * or one input channel), and the pixel → NHWC mapping of the store. The programs differ only in
 * how the staged tiles are laid out and multiplied.
 */

/** How the workgroup's threads split the staging of one K step (tileK channels). */
export interface PhaseStaging {
  /** vec4 quads per staged row (tileK / 4); thread t loads quad t % quads of rows t / quads + k·rowsPerPass */
  quads: number;
  rowsPerPass: number;
  /** dY rows (pixels) and W rows (input channels) each thread loads per step */
  slotsDy: number;
  slotsW: number;
  /** phases along W (the dispatch's z is ph · nPW + pw) */
  nPW: number;
  /** output-channel chunks per tap */
  coSteps: number;
}

export function phaseStaging(s: InputGradShape, tileM: number, tileN: number, tileK: number, threads: number): PhaseStaging {
  const quads = tileK / 4;
  const rowsPerPass = threads / quads;
  return {
    quads,
    rowsPerPass,
    slotsDy: Math.ceil(tileM / rowsPerPass),
    slotsW: Math.ceil(tileN / rowsPerPass),
    nPW: Math.min(s.strideW, s.inW),
    coSteps: Math.ceil(s.outC / tileK),
  };
}

/** The stride phases of an input gradient (or forward conv as one) (ph, pw) with at least one input pixel, in dispatch-z order. */
export function inputGradPhases(s: InputGradShape): { ph: number; pw: number; pixels: number }[] {
  const phases: { ph: number; pw: number; pixels: number }[] = [];
  for (let ph = 0; ph < Math.min(s.strideH, s.inH); ph++) {
    for (let pw = 0; pw < Math.min(s.strideW, s.inW); pw++) {
      phases.push({ ph, pw, pixels: s.batch * Math.ceil((s.inH - ph) / s.strideH) * Math.ceil((s.inW - pw) / s.strideW) });
    }
  }
  return phases;
}

/** The grid: output-channel tiles × pixel tiles of the largest phase × phases (workgroup z). */
export function phaseGemmDispatch(s: InputGradShape, tileM: number, tileN: number): [number, number, number] {
  const phases = inputGradPhases(s);
  return [Math.ceil(s.inC / tileN), Math.max(...phases.map((p) => Math.ceil(p.pixels / tileM))), phases.length];
}

/** The shape as WGSL constants (every size is baked in). */
export function phaseGemmConstants(s: InputGradShape): string {
  return `
      const INH = ${s.inH};
      const INW = ${s.inW};
      const INC = ${s.inC};
      const OUTH = ${s.outH};
      const OUTW = ${s.outW};
      const OUTC = ${s.outC};
      const KH = ${s.kH};
      const KW = ${s.kW};
      const SH = ${s.strideH};
      const SW = ${s.strideW};`;
}

/**
 * loadDy / loadW: a quad of [.., co..co+3] from flat index idx (zeros where ok is false or past
 * OUTC); without loadW where the program reads W another way (`withW` false).
 */
export function quadLoaders(vecIn: boolean, withW = true): string {
  const body = (buf: string) => vecIn
    ? `if (ok && co < OUTC) { return ${buf}[idx / 4]; }
        return vec4<f32>(0.0);`
    : `var v = vec4<f32>(0.0);
        if (ok) {
          for (var c = 0; c < 4; c = c + 1) {
            if (co + c < OUTC) { v[c] = ${buf}[idx + c]; }
          }
        }
        return v;`;
  return `
      /** A quad of dY[.., co..co+3] starting at flat index idx (zeros where ok is false). */
      fn loadDy(idx : i32, co : i32, ok : bool) -> vec4<f32> {
        ${body('dy')}
      }
${withW ? `
      /** A quad of W[kh, kw, ci, co..co+3] starting at flat index idx. */
      fn loadW(idx : i32, co : i32, ok : bool) -> vec4<f32> {
        ${body('w')}
      }` : ''}`;
}

/**
 * Statements opening main(): this workgroup's phase (ph, pw), the taps that reach it (kh = k0h +
 * SH·a for a < tapsH, reaching output row i + offH − a), its pixel grid (rowsP × colsP, M pixels)
 * and tile origin (m0, n0); returns past the phase's last row. The tap counts are loop bounds
 * around barriers, so they must be uniform: tfjs hands workgroupId over in a private variable
 * (not uniform to the analysis), so it goes through workgroupUniformLoad (needs `var<workgroup>
 * wgId : vec3<u32>`).
 */
export function phaseWorkgroupSetup(s: InputGradShape, tileM: number, tileN: number, nPW: number): string {
  return `
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
        // Phases differ in size; the grid covers the largest.
        if (m0 >= M) { return; }`;
}

/**
 * Per thread: its quad q, first row r0, and where each staged dY row (pixel) starts its taps;
 * registers for the quads of one K step (`wSlots` W quads: st.slotsW unless W is loaded another way).
 */
export function phaseRowSetup(s: InputGradShape, st: PhaseStaging, tileM: number, wSlots = st.slotsW): string {
  return `
        let q = i32(localIndex) % ${st.quads};
        let r0 = i32(localIndex) / ${st.quads};
        var rowI : array<i32, ${st.slotsDy}>;
        var rowJ : array<i32, ${st.slotsDy}>;
        var rowBase : array<i32, ${st.slotsDy}>;
        var rowOk : array<bool, ${st.slotsDy}>;
        for (var sl = 0; sl < ${st.slotsDy}; sl = sl + 1) {
          let r = r0 + sl * ${st.rowsPerPass};
          let m = m0 + r;
          let j = m % colsP;
          let ni = m / colsP;
          rowI[sl] = (ni % rowsP) * ${s.gatherStrideH ?? 1} + offH;
          rowJ[sl] = j * ${s.gatherStrideW ?? 1} + offW;
          rowBase[sl] = (((ni / rowsP) * OUTH + rowI[sl]) * OUTW + rowJ[sl]) * OUTC + 4 * q;
          rowOk[sl] = r < ${tileM} && m < M;
        }
        var dyQuad : array<vec4<f32>, ${st.slotsDy}>;
        var wQuad : array<vec4<f32>, ${wSlots}>;
        // K steps: taps (a, b) × output-channel chunks, in that order; (a, b, c0) is the next
        // step to load (uniform: derived from wgId only).
        let steps = tapsH * tapsW * ${st.coSteps};
        var a = 0;
        var b = 0;
        var c0 = 0;`;
}

/**
 * Loads K step (a, b, c0) into this thread's dyQuad / wQuad registers, then advances (a, b, c0).
 * `wLoad` replaces the W part (default: quads along K of the transposed filter W[kh, kw, ci, co]).
 */
export function phaseLoadStep(st: PhaseStaging, tileK: number, tileN: number, wLoad?: string): string {
  return `{
          let co = c0 + 4 * q;
          for (var sl = 0; sl < ${st.slotsDy}; sl = sl + 1) {
            let oh = rowI[sl] - a;
            let ow = rowJ[sl] - b;
            let ok = rowOk[sl] && oh >= 0 && oh < OUTH && ow >= 0 && ow < OUTW;
            dyQuad[sl] = loadDy(rowBase[sl] - (a * OUTW + b) * OUTC + c0, co, ok);
          }
          ${wLoad ?? `let wTap = ((k0h + SH * a) * KW + k0w + SW * b) * INC;
          for (var sl = 0; sl < ${st.slotsW}; sl = sl + 1) {
            let r = r0 + sl * ${st.rowsPerPass};
            let ci = n0 + r;
            wQuad[sl] = loadW((wTap + ci) * OUTC + co, co, r < ${tileN} && ci < INC);
          }`}
          c0 = c0 + ${tileK};
          if (c0 >= OUTC) {
            c0 = 0;
            b = b + 1;
            if (b >= tapsW) { b = 0; a = a + 1; }
          }
        }`;
}

/** `let base = …`: where phase pixel m's dX row starts in NHWC (given the phase's ph, pw, rowsP, colsP). */
export function phasePixelBase(m: string, ph: string, pw: string, rowsP: string, colsP: string): string {
  return `let j = ${m} % ${colsP};
            let ni = ${m} / ${colsP};
            let ih = ${ph} + (ni % ${rowsP}) * SH;
            let iw = ${pw} + j * SW;
            let base = (((ni / ${rowsP}) * INH + ih) * INW + iw) * INC;`;
}

/** The store's value: bias, then ReLU as tfjs writes it (select keeps NaN), where the epilogue asks. */
export function epilogueValue(epilogue: GemmEpilogue, v: string, bias: string, zero: string): string {
  const biased = epilogue.bias ? `(${v} + ${bias})` : v;
  return epilogue.relu ? `select(${biased}, ${zero}, ${biased} < ${zero})` : biased;
}
