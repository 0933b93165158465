import { SplitKFilterGradProgram, type FilterGradShape, type FilterGradTiling } from './conv2d-filter-grad-program';
import { filterGradStagingSetup, filterGradStagingStep } from './filter-grad-wgsl';

/** Whether FilterGradVec4Program can run a tiling: every thread stages whole tile columns. */
export function vec4FilterGradFits(t: FilterGradTiling): boolean {
  const threads = (t.tileM / t.perM) * (t.tileN / t.perN);
  return t.perM % 4 === 0 && t.perN % 4 === 0 && threads % t.tileM === 0 && threads % t.tileN === 0 &&
    (t.tileK * t.tileM) % threads === 0 && (t.tileK * t.tileN) % threads === 0;
}

/**
 * The split-K filter-gradient GEMM of FilterGradPartialProgram (same output: partial sums
 * [splits, M, N], same sum pass after it) with the two costs of that program's inner loops taken
 * out, as a candidate for kernel tuning:
 * - index arithmetic: there every staged X element decomposes m = (kh, kw, ci) and k = (b, oh, ow)
 *   with eight divisions or remainders. Here each thread stages the same tile column m in every
 *   step (threads % tileM = 0), so (kh, kw, ci) is decomposed once, and its rows k advance by
 *   tileK per step, so (b, oh, ow) is carried forward with compares instead of divisions.
 * - shared-memory reads: tiles are read as vec4 (4 values per load instead of 1), and each thread's
 *   4-wide groups of rows and columns are interleaved across threads (row group g of thread t is
 *   at g·(threads along that axis) + t), so neighbouring threads read neighbouring vec4s.
 */
export class FilterGradVec4Program extends SplitKFilterGradProgram {
  constructor(s: FilterGradShape, splits: number, readonly t: FilterGradTiling) {
    super(s, splits, t);
    if (!vec4FilterGradFits(t)) throw new Error(`FilterGradVec4Program: tiling ${JSON.stringify(t)} does not fit (see vec4FilterGradFits)`);
    this.workgroupSize = [(t.tileN / t.perN) * (t.tileM / t.perM), 1, 1];
    // Every size is baked into the shader, so the key must carry all of them.
    this.shaderKey = `detConv2DFilterGradVec4_${Object.values(s).join('_')}_${splits}_${Object.values(t).join('_')}`;
  }

  getUserCode(): string {
    const s = this.s;
    const { tileM, tileN, tileK, perM, perN } = this.t;
    const txN = tileN / perN; // threads along N
    const tyM = tileM / perM; // threads along M
    const threads = txN * tyM;
    const slotsX = (tileK * tileM) / threads; // staged X rows per thread and step
    return `
${this.gemmConstants()}
      var<workgroup> tileX : array<array<vec4<f32>, ${tileM / 4}>, ${tileK}>;
      var<workgroup> tileDy : array<array<vec4<f32>, ${tileN / 4}>, ${tileK}>;

      fn main() {
        // Sizes are baked in, but tfjs always binds its uniform buffer: touch it so the
        // auto-derived pipeline layout keeps that binding.
        _ = uniforms.outShape;
        let flat = i32(localIndex);
        let n0 = i32(workgroupId.x) * ${tileN};
        let m0 = i32(workgroupId.y) * ${tileM};
        let kBegin = i32(workgroupId.z) * CHUNK;
        let kEnd = min(kBegin + CHUNK, K);

${filterGradStagingSetup(s, tileM, tileN, threads, slotsX)}

        let tx = flat % ${txN};
        let ty = flat / ${txN};
        var acc : array<array<vec4<f32>, ${perN / 4}>, ${perM}>;
        // A constant trip count keeps the barriers in uniform control flow; rows past kEnd read 0.
        for (var step = 0; step < ${this.chunk / tileK}; step = step + 1) {
          let k0 = kBegin + step * ${tileK};
${filterGradStagingStep(s, this.t, threads, (kk, v) => `tileX[${kk}][mm / 4][mm % 4] = ${v};`, (kk, v) => `tileDy[${kk}][nn / 4][nn % 4] = ${v};`)}
          workgroupBarrier();
          for (var kk = 0; kk < ${tileK}; kk = kk + 1) {
            var bv : array<vec4<f32>, ${perN / 4}>;
            for (var j4 = 0; j4 < ${perN / 4}; j4 = j4 + 1) { bv[j4] = tileDy[kk][j4 * ${txN} + tx]; }
            for (var i4 = 0; i4 < ${perM / 4}; i4 = i4 + 1) {
              let av = tileX[kk][i4 * ${tyM} + ty];
              for (var c = 0; c < 4; c = c + 1) {
                for (var j4 = 0; j4 < ${perN / 4}; j4 = j4 + 1) {
                  acc[i4 * 4 + c][j4] = fma(vec4<f32>(av[c]), bv[j4], acc[i4 * 4 + c][j4]);
                }
              }
            }
          }
          workgroupBarrier();
        }
        let out = i32(workgroupId.z) * M;
        for (var i4 = 0; i4 < ${perM / 4}; i4 = i4 + 1) {
          for (var c = 0; c < 4; c = c + 1) {
            let row = m0 + 4 * (i4 * ${tyM} + ty) + c;
            if (row < M) {
              for (var j4 = 0; j4 < ${perN / 4}; j4 = j4 + 1) {
                let col = n0 + 4 * (j4 * ${txN} + tx);
                for (var d = 0; d < 4; d = d + 1) {
                  if (col + d < N) { result[(out + row) * N + col + d] = acc[i4 * 4 + c][j4][d]; }
                }
              }
            }
          }
        }
      }
    `;
  }
}
