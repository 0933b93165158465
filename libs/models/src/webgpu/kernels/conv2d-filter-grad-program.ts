import type { WebGpuProgramLike } from './webgpu-backend-like';

/** Shape facts of one NHWC Conv2DBackpropFilter call (dilation 1). */
export interface FilterGradShape {
  batch: number; inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kH: number; kW: number; strideH: number; strideW: number; padTop: number; padLeft: number;
}

// Tile of the (kh·kw·ci) × co output one workgroup computes, and the K step staged in shared memory.
export const TILE_M = 32;
export const TILE_N = 32;
const TILE_K = 16;
const THREADS = 8; // 8×8 threads, each 4×4 outputs

/**
 * dW as an implicit GEMM: dW[m, n] = Σ_k X[m, k] · dY[k, n] with m = (kh, kw, ci), n = co and
 * k = (b, oh, ow); X[m, k] is read straight from the NHWC input (im2col is never materialised).
 * K = batch·outH·outW is large and M·N often small, so K is split across `splits` workgroups
 * along z, each writing its partial sum to output[split, m, n]; a second pass adds the splits.
 * tfjs's own kernel gives each output element one thread that loops over all of K, which leaves
 * most of a GPU idle for early layers (e.g. 3·3·3·16 = 432 threads for the first conv).
 */
export class FilterGradPartialProgram implements WebGpuProgramLike {
  readonly variableNames = ['x', 'dy'];
  readonly workgroupSize: [number, number, number] = [THREADS, THREADS, 1];
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [2], y: [1], z: [0] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly chunk: number;

  constructor(readonly s: FilterGradShape, readonly splits: number) {
    this.m = s.kH * s.kW * s.inC;
    this.n = s.outC;
    this.k = s.batch * s.outH * s.outW;
    this.chunk = Math.ceil(Math.ceil(this.k / splits) / TILE_K) * TILE_K;
    this.outputShape = [splits, this.m, this.n];
    this.dispatch = [Math.ceil(this.n / TILE_N), Math.ceil(this.m / TILE_M), splits];
    // Every size is baked into the shader, so the key must carry all of them.
    this.shaderKey = `detConv2DFilterGrad_${Object.values(s).join('_')}_${splits}`;
  }

  getUserCode(): string {
    const s = this.s;
    return `
      const M = ${this.m};
      const N = ${this.n};
      const K = ${this.k};
      const CHUNK = ${this.chunk};
      var<workgroup> tileX : array<array<f32, ${TILE_M}>, ${TILE_K}>;
      var<workgroup> tileDy : array<array<f32, ${TILE_N}>, ${TILE_K}>;

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
        let flat = ty * ${THREADS} + tx;
        let n0 = i32(workgroupId.x) * ${TILE_N};
        let m0 = i32(workgroupId.y) * ${TILE_M};
        let split = i32(workgroupId.z);
        let kBegin = split * CHUNK;
        let kEnd = min(kBegin + CHUNK, K);
        var acc : array<array<f32, 4>, 4>;
        // A constant trip count keeps the barriers in uniform control flow (WGSL rejects a
        // loop bound derived from workgroupId); loads past kEnd read as zero.
        for (var step = 0; step < ${this.chunk / TILE_K}; step = step + 1) {
          let k0 = kBegin + step * ${TILE_K};
          for (var e = flat; e < ${TILE_K * TILE_M}; e = e + ${THREADS * THREADS}) {
            let kk = e / ${TILE_M};
            let mm = e % ${TILE_M};
            tileX[kk][mm] = loadX(m0 + mm, k0 + kk, kEnd);
          }
          for (var e = flat; e < ${TILE_K * TILE_N}; e = e + ${THREADS * THREADS}) {
            let kk = e / ${TILE_N};
            let nn = e % ${TILE_N};
            tileDy[kk][nn] = loadDy(k0 + kk, n0 + nn, kEnd);
          }
          workgroupBarrier();
          for (var kk = 0; kk < ${TILE_K}; kk = kk + 1) {
            var a : array<f32, 4>;
            var bv : array<f32, 4>;
            for (var i = 0; i < 4; i = i + 1) {
              a[i] = tileX[kk][ty * 4 + i];
              bv[i] = tileDy[kk][tx * 4 + i];
            }
            for (var i = 0; i < 4; i = i + 1) {
              for (var j = 0; j < 4; j = j + 1) {
                acc[i][j] = fma(a[i], bv[j], acc[i][j]);
              }
            }
          }
          workgroupBarrier();
        }
        for (var i = 0; i < 4; i = i + 1) {
          let m = m0 + ty * 4 + i;
          for (var j = 0; j < 4; j = j + 1) {
            let n = n0 + tx * 4 + j;
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
