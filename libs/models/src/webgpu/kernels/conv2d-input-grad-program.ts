import type { WebGpuProgramLike } from './webgpu-backend-like';

/** Shape facts of one NHWC Conv2DBackpropInput call (dilation 1). */
export interface InputGradShape {
  batch: number; inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kH: number; kW: number; strideH: number; strideW: number; padTop: number; padLeft: number;
}

const TILE_M = 32;
const TILE_N = 32;
const TILE_K = 16;
const THREADS = 8;

/** Which filter taps reach input rows ≡ `phase` (mod stride), and the output-row offset. */
export function phaseTaps(phase: number, stride: number, pad: number, k: number): { k0: number; count: number; offset: number } {
  const k0 = (phase + pad) % stride;
  const count = k0 < k ? Math.ceil((k - k0) / stride) : 0;
  return { k0, count, offset: (phase + pad - k0) / stride };
}

/**
 * dX for the input pixels of one stride phase (ih ≡ ph mod sH, iw ≡ pw mod sW) as an implicit
 * GEMM: dX[m, ci] = Σ_k dY[m, k] · W[k, ci] with m = (n, i, j) (ih = ph + sH·i, iw = pw + sW·j)
 * and k = (a, b, co) over only the taps that land on this phase (kh = kh0 + sH·a). Splitting by
 * phase skips the zeros a strided backward pass otherwise multiplies: tfjs's GEMM runs every
 * tap over a dilated dY, 4× the work for stride 2 (a 3×3 kernel has 9 taps; the four phases
 * have 4, 2, 2 and 1). Each phase writes its own pixels of the shared output.
 */
export class InputGradPhaseProgram implements WebGpuProgramLike {
  readonly variableNames = ['dy', 'w'];
  readonly workgroupSize: [number, number, number] = [THREADS, THREADS, 1];
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [3], y: [0, 1, 2] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;
  readonly m: number;
  readonly k: number;
  private readonly rowsP: number;
  private readonly colsP: number;
  private readonly th: ReturnType<typeof phaseTaps>;
  private readonly tw: ReturnType<typeof phaseTaps>;

  constructor(readonly s: InputGradShape, readonly ph: number, readonly pw: number) {
    this.outputShape = [s.batch, s.inH, s.inW, s.inC];
    this.rowsP = Math.max(0, Math.ceil((s.inH - ph) / s.strideH));
    this.colsP = Math.max(0, Math.ceil((s.inW - pw) / s.strideW));
    this.th = phaseTaps(ph, s.strideH, s.padTop, s.kH);
    this.tw = phaseTaps(pw, s.strideW, s.padLeft, s.kW);
    this.m = s.batch * this.rowsP * this.colsP;
    this.k = this.th.count * this.tw.count * s.outC;
    this.dispatch = [Math.ceil(s.inC / TILE_N), Math.ceil(this.m / TILE_M), 1];
    this.shaderKey = `detConv2DInputGrad_${Object.values(s).join('_')}_${ph}_${pw}`;
  }

  getUserCode(): string {
    const s = this.s;
    // A phase without taps (e.g. 1×1 kernel, stride 2) runs zero K steps and writes zeros; keep
    // its never-executed loaders free of a constant division by zero, which WGSL rejects.
    const twCount = Math.max(1, this.tw.count);
    return `
      const M = ${this.m};
      const N = ${s.inC};
      const K = ${this.k};
      var<workgroup> tileDy : array<array<f32, ${TILE_M}>, ${TILE_K}>;
      var<workgroup> tileW : array<array<f32, ${TILE_N}>, ${TILE_K}>;

      fn loadDy(m : i32, k : i32) -> f32 {
        if (m >= M || k >= K) { return 0.0; }
        let co = k % ${s.outC};
        let ab = k / ${s.outC};
        let b = ab % ${twCount};
        let a = ab / ${twCount};
        let j = m % ${this.colsP};
        let ni = m / ${this.colsP};
        let i = ni % ${this.rowsP};
        let n = ni / ${this.rowsP};
        let oh = i + ${this.th.offset} - a;
        let ow = j + ${this.tw.offset} - b;
        if (oh < 0 || oh >= ${s.outH} || ow < 0 || ow >= ${s.outW}) { return 0.0; }
        return dy[((n * ${s.outH} + oh) * ${s.outW} + ow) * ${s.outC} + co];
      }

      fn loadW(k : i32, ci : i32) -> f32 {
        if (k >= K || ci >= N) { return 0.0; }
        let co = k % ${s.outC};
        let ab = k / ${s.outC};
        let kw = ${this.tw.k0} + (ab % ${twCount}) * ${s.strideW};
        let kh = ${this.th.k0} + (ab / ${twCount}) * ${s.strideH};
        return w[((kh * ${s.kW} + kw) * ${s.inC} + ci) * ${s.outC} + co];
      }

      fn main() {
        // Sizes are baked in; touch the uniforms so the auto layout keeps their binding.
        _ = uniforms.outShape;
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let flat = ty * ${THREADS} + tx;
        let n0 = i32(workgroupId.x) * ${TILE_N};
        let m0 = i32(workgroupId.y) * ${TILE_M};
        var acc : array<array<f32, 4>, 4>;
        // Constant trip count: barriers must stay in uniform control flow.
        for (var step = 0; step < ${Math.ceil(this.k / TILE_K)}; step = step + 1) {
          let k0 = step * ${TILE_K};
          // k fastest across threads: consecutive k are consecutive channels in memory.
          for (var e = flat; e < ${TILE_K * TILE_M}; e = e + ${THREADS * THREADS}) {
            tileDy[e % ${TILE_K}][e / ${TILE_K}] = loadDy(m0 + e / ${TILE_K}, k0 + e % ${TILE_K});
          }
          for (var e = flat; e < ${TILE_K * TILE_N}; e = e + ${THREADS * THREADS}) {
            tileW[e % ${TILE_K}][e / ${TILE_K}] = loadW(k0 + e % ${TILE_K}, n0 + e / ${TILE_K});
          }
          workgroupBarrier();
          for (var kk = 0; kk < ${TILE_K}; kk = kk + 1) {
            var a : array<f32, 4>;
            var bv : array<f32, 4>;
            for (var i = 0; i < 4; i = i + 1) {
              a[i] = tileDy[kk][ty * 4 + i];
              bv[i] = tileW[kk][tx * 4 + i];
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
          if (m < M) {
            let jj = m % ${this.colsP};
            let ni = m / ${this.colsP};
            let ih = ${this.ph} + (ni % ${this.rowsP}) * ${s.strideH};
            let iw = ${this.pw} + jj * ${s.strideW};
            let base = ((ni / ${this.rowsP} * ${s.inH} + ih) * ${s.inW} + iw) * N;
            for (var j = 0; j < 4; j = j + 1) {
              let n = n0 + tx * 4 + j;
              if (n < N) {
                result[base + n] = acc[i][j];
              }
            }
          }
        }
      }
    `;
  }
}
