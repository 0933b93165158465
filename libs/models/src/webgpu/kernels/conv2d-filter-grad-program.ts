import type { WebGpuProgramLike } from './webgpu-backend-like';

/** Shape facts of one NHWC Conv2DBackpropFilter call (dilation 1). */
export interface FilterGradShape {
  batch: number; inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kH: number; kW: number; strideH: number; strideW: number; padTop: number; padLeft: number;
}

/**
 * How one workgroup tiles the (kh·kw·ci) × co output: tileM × tileN outputs, perM × perN per
 * thread (so (tileM/perM)·(tileN/perN) threads), K staged through workgroup memory tileK at a time.
 */
export interface FilterGradTiling { tileM: number; tileN: number; tileK: number; perM: number; perN: number }

/** The tiling det has used since the kernel was written (8×8 threads, 4×4 outputs each). */
export const DEFAULT_FILTER_GRAD_TILING: FilterGradTiling = { tileM: 32, tileN: 32, tileK: 16, perM: 4, perN: 4 };

/** Candidate tilings (bench/gpu `sweep` times each per layer; conv-kernels.spec checks each vs cpu). */
export const FILTER_GRAD_TILINGS: Record<string, FilterGradTiling> = {
  A_32x32k16_4x4: DEFAULT_FILTER_GRAD_TILING,
  B_64x64k16_8x8: { tileM: 64, tileN: 64, tileK: 16, perM: 8, perN: 8 },
  C_64x32k16_4x4: { tileM: 64, tileN: 32, tileK: 16, perM: 4, perN: 4 },
  D_32x32k32_4x4: { tileM: 32, tileN: 32, tileK: 32, perM: 4, perN: 4 },
  E_64x16k16_4x4: { tileM: 64, tileN: 16, tileK: 16, perM: 4, perN: 4 },
  F_64x64k8_4x4: { tileM: 64, tileN: 64, tileK: 8, perM: 4, perN: 4 },
  // larger register blocks for wide layers (candidates for kernel tuning; not yet timed on a GPU)
  G_128x64k8_8x8: { tileM: 128, tileN: 64, tileK: 8, perM: 8, perN: 8 },
  H_128x128k8_8x8: { tileM: 128, tileN: 128, tileK: 8, perM: 8, perN: 8 },
};

/**
 * What every split-K filter-gradient program shares (FilterGradPartialProgram,
 * FilterGradVec4Program, SgmatFilterGradProgram): the GEMM M = kh·kw·ci rows, N = co columns,
 * K = b·oh·ow split into `splits` chunks of whole K steps; output [splits, M, N] (summed by
 * SumSplitsProgram), one workgroup per output tile and split. Subclasses set the workgroup size,
 * the shader key and the code.
 */
export abstract class SplitKFilterGradProgram implements WebGpuProgramLike {
  readonly variableNames: string[] = ['x', 'dy'];
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [2], y: [1], z: [0] };
  readonly dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [1, 1, 1];
  shaderKey = '';
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** K per split, a whole number of K steps */
  readonly chunk: number;

  constructor(readonly s: FilterGradShape, readonly splits: number, tiles: Pick<FilterGradTiling, 'tileM' | 'tileN' | 'tileK'>) {
    this.m = s.kH * s.kW * s.inC;
    this.n = s.outC;
    this.k = s.batch * s.outH * s.outW;
    this.chunk = Math.ceil(Math.ceil(this.k / splits) / tiles.tileK) * tiles.tileK;
    this.outputShape = [splits, this.m, this.n];
    this.dispatch = [Math.ceil(this.n / tiles.tileN), Math.ceil(this.m / tiles.tileM), splits];
  }

  /** The GEMM's sizes and the output's spatial size as WGSL constants (every size is baked in). */
  protected gemmConstants(): string {
    return `
      const M = ${this.m};
      const N = ${this.n};
      const K = ${this.k};
      const CHUNK = ${this.chunk};
      const OUTH = ${this.s.outH};
      const OUTW = ${this.s.outW};`;
  }

  abstract getUserCode(): string;
}

/**
 * dW as an implicit GEMM: dW[m, n] = Σ_k X[m, k] · dY[k, n] with m = (kh, kw, ci), n = co and
 * k = (b, oh, ow); X[m, k] is read straight from the NHWC input (im2col is never materialised).
 * K = batch·outH·outW is large and M·N often small, so K is split across `splits` workgroups
 * along z, each writing its partial sum to output[split, m, n]; a second pass adds the splits.
 * tfjs's own kernel gives each output element one thread that loops over all of K, which leaves
 * most of a GPU idle for early layers (e.g. 3·3·3·16 = 432 threads for the first conv).
 */
export class FilterGradPartialProgram extends SplitKFilterGradProgram {
  constructor(s: FilterGradShape, splits: number, readonly t: FilterGradTiling = DEFAULT_FILTER_GRAD_TILING) {
    super(s, splits, t);
    this.workgroupSize = [t.tileN / t.perN, t.tileM / t.perM, 1];
    // Every size is baked into the shader, so the key must carry all of them.
    this.shaderKey = `detConv2DFilterGrad_${Object.values(s).join('_')}_${splits}_${Object.values(t).join('_')}`;
  }

  getUserCode(): string {
    const s = this.s;
    const { tileM, tileN, tileK, perM, perN } = this.t;
    const tx = tileN / perN;
    const threads = tx * (tileM / perM);
    return `${this.gemmConstants()}
      var<workgroup> tileX : array<array<f32, ${tileM}>, ${tileK}>;
      var<workgroup> tileDy : array<array<f32, ${tileN}>, ${tileK}>;

      fn loadX(m : i32, k : i32, kEnd : i32) -> f32 {
        if (m >= M || k >= kEnd) { return 0.0; }
        let ci = m % ${s.inC};
        let khw = m / ${s.inC};
        let kw = khw % ${s.kW};
        let kh = khw / ${s.kW};
        let ow = k % ${s.outW};
        let bh = k / ${s.outW};
        let oh = bh % ${s.outH};
        let b = bh / ${s.outH};
        let ih = oh * ${s.strideH} + kh - ${s.padTop};
        let iw = ow * ${s.strideW} + kw - ${s.padLeft};
        if (ih < 0 || ih >= ${s.inH} || iw < 0 || iw >= ${s.inW}) { return 0.0; }
        return x[((b * ${s.inH} + ih) * ${s.inW} + iw) * ${s.inC} + ci];
      }

      fn loadDy(k : i32, n : i32, kEnd : i32) -> f32 {
        if (n >= N || k >= kEnd) { return 0.0; }
        return dy[k * N + n];
      }

      fn main() {
        // Sizes are baked in, but tfjs always binds its uniform buffer: touch it so the
        // auto-derived pipeline layout keeps that binding.
        _ = uniforms.outShape;
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let flat = ty * ${tx} + tx;
        let n0 = i32(workgroupId.x) * ${tileN};
        let m0 = i32(workgroupId.y) * ${tileM};
        let split = i32(workgroupId.z);
        let kBegin = split * CHUNK;
        let kEnd = min(kBegin + CHUNK, K);
        var acc : array<array<f32, ${perN}>, ${perM}>;
        // A constant trip count keeps the barriers in uniform control flow (WGSL rejects a
        // loop bound derived from workgroupId); loads past kEnd read as zero.
        for (var step = 0; step < ${this.chunk / tileK}; step = step + 1) {
          let k0 = kBegin + step * ${tileK};
          for (var e = flat; e < ${tileK * tileM}; e = e + ${threads}) {
            let kk = e / ${tileM};
            let mm = e % ${tileM};
            tileX[kk][mm] = loadX(m0 + mm, k0 + kk, kEnd);
          }
          for (var e = flat; e < ${tileK * tileN}; e = e + ${threads}) {
            let kk = e / ${tileN};
            let nn = e % ${tileN};
            tileDy[kk][nn] = loadDy(k0 + kk, n0 + nn, kEnd);
          }
          workgroupBarrier();
          for (var kk = 0; kk < ${tileK}; kk = kk + 1) {
            var a : array<f32, ${perM}>;
            var bv : array<f32, ${perN}>;
            for (var i = 0; i < ${perM}; i = i + 1) { a[i] = tileX[kk][ty * ${perM} + i]; }
            for (var j = 0; j < ${perN}; j = j + 1) { bv[j] = tileDy[kk][tx * ${perN} + j]; }
            for (var i = 0; i < ${perM}; i = i + 1) {
              for (var j = 0; j < ${perN}; j = j + 1) {
                acc[i][j] = fma(a[i], bv[j], acc[i][j]);
              }
            }
          }
          workgroupBarrier();
        }
        for (var i = 0; i < ${perM}; i = i + 1) {
          let m = m0 + ty * ${perM} + i;
          for (var j = 0; j < ${perN}; j = j + 1) {
            let n = n0 + tx * ${perN} + j;
            if (m < M && n < N) {
              result[(split * M + m) * N + n] = acc[i][j];
            }
          }
        }
      }
    `;
  }
}

/**
 * Adds `splits` partial results laid out as [splits, size]: out[i] = scale · Σ_s partial[s, i].
 * The output may have any shape of `size` elements (the caller's final shape: no reshape pass).
 */
export class SumSplitsProgram implements WebGpuProgramLike {
  readonly variableNames = ['partial'];
  readonly workgroupSize: [number, number, number] = [64, 1, 1];
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;
  readonly size = true;
  private readonly total: number;

  constructor(outputShape: number[], readonly splits: number, readonly scale = 1) {
    this.outputShape = outputShape;
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.total = outputShape.reduce((a, b) => a * b, 1);
    this.dispatch = [Math.ceil(this.total / 64), 1, 1];
    this.shaderKey = `detSumSplits_${splits}_${this.total}_${scale}`;
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          var sum = 0.0;
          for (var s = 0; s < ${this.splits}; s = s + 1) {
            sum = sum + partial[s * ${this.total} + index];
          }
          setOutputAtIndex(index, sum * ${wgslFloat(this.scale)});
        }
      }
    `;
  }
}

/** A JS number as a WGSL f32 literal (always with a decimal point or exponent). */
export function wgslFloat(v: number): string {
  const s = String(Math.fround(v));
  return /[.eE]/.test(s) ? s : `${s}.0`;
}
