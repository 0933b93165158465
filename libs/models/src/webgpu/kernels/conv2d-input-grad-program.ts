import type { FilterGradTiling } from './conv2d-filter-grad-program';
import type { WebGpuProgramLike } from './webgpu-backend-like';
import {
  epilogueValue, inputGradPhases, phaseGemmConstants, phaseGemmDispatch, phaseLoadStep, phasePixelBase, phaseRowSetup, phaseStaging, phaseWorkgroupSetup, quadLoaders,
} from './phase-gemm-wgsl';

/** Shape facts of one NHWC Conv2DBackpropInput call (dilation 1). */
export interface InputGradShape {
  batch: number; inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kH: number; kW: number; strideH: number; strideW: number; padTop: number; padLeft: number;
  /** the forward conv's padding after the last row / column (the stride-1 forward-conv path) */
  padBottom?: number; padRight?: number;
  /**
   * Output pixel (i, j) reads dY from row i·gatherStrideH + offset (default 1). Above 1 this is a
   * strided *forward* conv (conv2d-forward.ts: "dY" is x, the filter flipped), not a gradient.
   */
  gatherStrideH?: number; gatherStrideW?: number;
}

/**
 * How one workgroup tiles the (pixels of a phase) × inC output: tileM × tileN outputs, perM × perN
 * per thread (so (tileM/perM)·(tileN/perN) threads), dY·W staged through workgroup memory tileK
 * output channels at a time. perM, perN and tileK are multiples of 4 (vec4 staging and reads).
 */
export interface InputGradTiling extends FilterGradTiling {
  /** Load the next K step into registers while this one multiplies (one step of latency hidden). */
  prefetch?: boolean;
  /**
   * Interleave each thread's 4-wide row and column groups across threads (group g of thread t at
   * g·threads-along-the-axis + t) instead of giving each thread adjacent groups: with 8 columns
   * per thread, neighbouring threads then read neighbouring vec4s of the staged W tile instead of
   * every other one (shared-memory bank conflicts).
   */
  interleave?: boolean;
}

/** The tiling det's input gradient used before tilings were a parameter (8×8 threads, 4×4 each). */
export const DEFAULT_INPUT_GRAD_TILING: InputGradTiling = { tileM: 32, tileN: 32, tileK: 16, perM: 4, perN: 4 };

/** Candidate tilings (bench/gpu `sweep` times each per strided layer; conv-kernels.spec checks each vs cpu). */
export const INPUT_GRAD_TILINGS: Record<string, InputGradTiling> = {
  A_32x32k16_4x4: DEFAULT_INPUT_GRAD_TILING,
  B_64x64k8_4x4: { tileM: 64, tileN: 64, tileK: 8, perM: 4, perN: 4 },
  C_64x32k16_4x4: { tileM: 64, tileN: 32, tileK: 16, perM: 4, perN: 4 },
  D_64x64k16_8x8: { tileM: 64, tileN: 64, tileK: 16, perM: 8, perN: 8 },
  E_64x16k16_4x4: { tileM: 64, tileN: 16, tileK: 16, perM: 4, perN: 4 },
  F_128x32k8_4x4: { tileM: 128, tileN: 32, tileK: 8, perM: 4, perN: 4 },
  G_64x64k8_4x4_pf: { tileM: 64, tileN: 64, tileK: 8, perM: 4, perN: 4, prefetch: true },
  H_64x32k16_4x4_pf: { tileM: 64, tileN: 32, tileK: 16, perM: 4, perN: 4, prefetch: true },
  // larger register blocks for wide layers (candidates for kernel tuning; not yet timed on a GPU)
  I_128x64k8_8x8_il: { tileM: 128, tileN: 64, tileK: 8, perM: 8, perN: 8, interleave: true },
  J_128x128k8_8x8_il: { tileM: 128, tileN: 128, tileK: 8, perM: 8, perN: 8, interleave: true },
  K_256x64k8_8x8_il: { tileM: 256, tileN: 64, tileK: 8, perM: 8, perN: 8, interleave: true },
  L_64x64k16_8x8_il: { tileM: 64, tileN: 64, tileK: 16, perM: 8, perN: 8, interleave: true },
};

/** Which filter taps reach input rows ≡ `phase` (mod stride), and the output-row offset. */
export function phaseTaps(phase: number, stride: number, pad: number, k: number): { k0: number; count: number; offset: number } {
  const k0 = (phase + pad) % stride;
  const count = k0 < k ? Math.ceil((k - k0) / stride) : 0;
  return { k0, count, offset: (phase + pad - k0) / stride };
}

/** Multiply-adds det's program does: each phase's pixels × only the taps that reach it (zero-padding taps included). */
export function inputGradMacs(s: InputGradShape): number {
  return inputGradPhases(s).reduce((t, p) => {
    const taps = phaseTaps(p.ph, s.strideH, s.padTop, s.kH).count * phaseTaps(p.pw, s.strideW, s.padLeft, s.kW).count;
    return t + p.pixels * taps * s.outC * s.inC;
  }, 0);
}

/**
 * dX of every stride phase in one dispatch (phase = workgroup z). A phase is the input pixels with
 * ih ≡ ph (mod sH), iw ≡ pw (mod sW); for it dX is an implicit GEMM dX[m, ci] = Σ_k dY[m, k]·W[k, ci]
 * with m = (n, i, j) (ih = ph + sH·i, iw = pw + sW·j) and k = (a, b, co) over only the taps that
 * land on the phase (kh = kh0 + sH·a). That skips the zeros a strided backward pass otherwise
 * multiplies: tfjs's GEMM runs every tap over a zero-dilated dY, 4× the work for stride 2 (a 3×3
 * kernel has 9 taps; the four phases have 4, 2, 2 and 1). Every input pixel is in exactly one
 * phase, so the phases fill the output between them.
 *
 * K runs as (tap a, tap b) × output-channel chunks of tileK, so a staged chunk is one tap's run of
 * consecutive channels — contiguous in both NHWC dY and HWIO-by-co W, loaded as vec4 when outC % 4
 * is 0 — and the pixel → dY row arithmetic is done once per thread, not per element (the earlier
 * per-phase kernel did ~100 divisions or remainders by constants per thread for every 256
 * multiply-adds, decomposing each staged element's indices).
 *
 * The phase's tap counts are loop bounds around workgroup barriers, which WGSL only allows on
 * uniform values; tfjs hands `workgroupId` over in a private variable (not uniform to the
 * analysis), so it is passed through `workgroupUniformLoad`.
 */
/**
 * What the store adds when the program runs a forward conv (conv2d-forward.ts): a per-channel
 * bias (a third input, `bias`) and/or ReLU with tfjs's semantics (NaN stays NaN).
 */
export interface GemmEpilogue { bias: boolean; relu: boolean }

export class InputGradProgram implements WebGpuProgramLike {
  readonly variableNames: string[];
  readonly variableComponents: number[];
  readonly outputComponent: number;
  readonly workgroupSize: [number, number, number];
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [3], y: [0, 1, 2] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;
  readonly phases: number;
  private readonly vecIn: boolean;
  private readonly vecOut: boolean;

  constructor(
    readonly s: InputGradShape,
    readonly t: InputGradTiling = DEFAULT_INPUT_GRAD_TILING,
    readonly epilogue: GemmEpilogue = { bias: false, relu: false },
  ) {
    const { tileM, tileN, tileK, perM, perN } = t;
    if (tileK % 4 || perM % 4 || perN % 4 || tileM % perM || tileN % perN) throw new Error(`bad input-gradient tiling ${JSON.stringify(t)}`);
    const threads = (tileM / perM) * (tileN / perN);
    if (threads % (tileK / 4)) throw new Error(`input-gradient tiling ${JSON.stringify(t)}: threads not a multiple of tileK/4`);
    this.outputShape = [s.batch, s.inH, s.inW, s.inC];
    this.workgroupSize = [threads, 1, 1];
    this.dispatch = phaseGemmDispatch(s, tileM, tileN);
    this.phases = this.dispatch[2];
    // dY and W both end in outC, the GEMM's K: vec4 loads need quads that never straddle a pixel.
    this.vecIn = s.outC % 4 === 0;
    this.vecOut = s.inC % 4 === 0;
    this.variableNames = epilogue.bias ? ['dy', 'w', 'bias'] : ['dy', 'w'];
    this.variableComponents = [...(this.vecIn ? [4, 4] : [1, 1]), ...(epilogue.bias ? [this.vecOut ? 4 : 1] : [])];
    this.outputComponent = this.vecOut ? 4 : 1;
    // Every size is baked into the shader, so the key must carry all of them.
    this.shaderKey = `detConv2DInputGrad_${Object.values(s).join('_')}_${Object.values(t).join('_')}_${+epilogue.bias}${+epilogue.relu}`;
  }

  getUserCode(): string {
    const s = this.s;
    const { tileM, tileN, tileK, perM, perN } = this.t;
    const txN = tileN / perN;
    const threads = txN * (tileM / perM);
    const st = phaseStaging(s, tileM, tileN, tileK, threads);
    // The 4-wide row / column group i4 / j4 of this thread (the staged tiles' vec4 index).
    const rowGroup = this.t.interleave ? `i4 * ${tileM / perM} + ty` : `ty * ${perM / 4} + i4`;
    const colGroup = this.t.interleave ? `j4 * ${txN} + tx` : `tx * ${perN / 4} + j4`;
    const loadStep = phaseLoadStep(st, tileK, tileN);
    const store = this.vecOut
      ? `if (n < INC) { result[(base + n) / 4] = ${epilogueValue(this.epilogue, 'acc[i][j4]', 'bias[n / 4]', 'vec4<f32>(0.0)')}; }`
      : `for (var c = 0; c < 4; c = c + 1) {
              if (n + c < INC) { result[base + n + c] = ${epilogueValue(this.epilogue, 'acc[i][j4][c]', 'bias[n + c]', '0.0')}; }
            }`;
    return `
${phaseGemmConstants(s)}
      // A vec4 of padding per row spreads the staging stores of different quads over more banks.
      var<workgroup> tileDy : array<array<vec4<f32>, ${tileM / 4 + 1}>, ${tileK}>;
      var<workgroup> tileW : array<array<vec4<f32>, ${tileN / 4 + 1}>, ${tileK}>;
      var<workgroup> wgId : vec3<u32>;
${quadLoaders(this.vecIn)}

      fn main() {
        // Sizes are baked in; touch the uniforms so the auto layout keeps their binding.
        _ = uniforms.outShape;
${phaseWorkgroupSetup(s, tileM, tileN, st.nPW)}
        let tx = i32(localIndex) % ${txN};
        let ty = i32(localIndex) / ${txN};
${phaseRowSetup(s, st, tileM)}
        var acc : array<array<vec4<f32>, ${perN / 4}>, ${perM}>;
        ${this.t.prefetch ? `if (steps > 0) {
          ${loadStep}
        }` : ''}
        for (var step = 0; step < steps; step = step + 1) {
          ${this.t.prefetch ? '' : loadStep}
          for (var sl = 0; sl < ${st.slotsDy}; sl = sl + 1) {
            let r = r0 + sl * ${st.rowsPerPass};
            if (r < ${tileM}) {
              for (var c = 0; c < 4; c = c + 1) { tileDy[4 * q + c][r / 4][r % 4] = dyQuad[sl][c]; }
            }
          }
          for (var sl = 0; sl < ${st.slotsW}; sl = sl + 1) {
            let r = r0 + sl * ${st.rowsPerPass};
            if (r < ${tileN}) {
              for (var c = 0; c < 4; c = c + 1) { tileW[4 * q + c][r / 4][r % 4] = wQuad[sl][c]; }
            }
          }
          workgroupBarrier();
          ${this.t.prefetch ? `// The next step's global loads are in flight while this one multiplies.
          if (step + 1 < steps) {
            ${loadStep}
          }` : ''}
          for (var kk = 0; kk < ${tileK}; kk = kk + 1) {
            var bv : array<vec4<f32>, ${perN / 4}>;
            for (var j4 = 0; j4 < ${perN / 4}; j4 = j4 + 1) { bv[j4] = tileW[kk][${colGroup}]; }
            for (var i4 = 0; i4 < ${perM / 4}; i4 = i4 + 1) {
              let av = tileDy[kk][${rowGroup}];
              for (var c = 0; c < 4; c = c + 1) {
                for (var j4 = 0; j4 < ${perN / 4}; j4 = j4 + 1) {
                  acc[i4 * 4 + c][j4] = fma(vec4<f32>(av[c]), bv[j4], acc[i4 * 4 + c][j4]);
                }
              }
            }
          }
          workgroupBarrier();
        }
        for (var i = 0; i < ${perM}; i = i + 1) {
          let i4 = i / 4;
          let m = m0 + 4 * (${rowGroup}) + i % 4;
          if (m < M) {
            ${phasePixelBase('m', 'ph', 'pw', 'rowsP', 'colsP')}
            for (var j4 = 0; j4 < ${perN / 4}; j4 = j4 + 1) {
              let n = n0 + 4 * (${colGroup});
              ${store}
            }
          }
        }
      }
    `;
  }
}
