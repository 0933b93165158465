import { loadNativeAddon } from './native-addon';
import { randomData } from './__fixtures__/compare';

const describeNative = process.env.DET_NATIVE === '0' ? describe.skip : describe;

/** Float64 reference GEMM with the addon's layout conventions. */
function reference(ta: boolean, tb: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; ++i)
    for (let p = 0; p < k; ++p) {
      const av = ta ? a[p * m + i] : a[i * k + p];
      for (let j = 0; j < n; ++j) c[i * n + j] += av * (tb ? b[j * k + p] : b[p * n + j]);
    }
  return c;
}

describeNative('native GEMM (blocked AVX2 micro-kernel, threaded splits)', () => {
  const load = loadNativeAddon();

  it('reports its kernel path', () => {
    if (!load.addon) throw new Error(`native addon missing: ${load.reason}`);
    const info = load.addon.info();
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(['avx2-fma', 'generic']).toContain(info.gemm);
  });

  // Shapes cover edge tiles (not multiples of 6×16), K beyond one 256 block, and all three thread splits.
  const shapes = [[7, 19, 5], [50, 33, 300], [130, 17, 513], [6, 16, 1000], [3, 2, 20000], [1, 1, 1], [200, 300, 40]];
  for (const simd of [true, false]) {
    it(`matches a float64 reference within 1e-5 relative (${simd ? 'SIMD' : 'generic'} micro-kernel)`, () => {
      const addon = load.addon!;
      addon.setSimd(simd);
      try {
        for (const [m, n, k] of shapes)
          for (const ta of [false, true])
            for (const tb of [false, true]) {
              const a = randomData(m * k, m + k), b = randomData(k * n, n + 3 * k);
              const c = new Float32Array(m * n).fill(5);  // beta 0 must overwrite
              addon.gemm(ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, 0, c, n);
              const ref = reference(ta, tb, m, n, k, a, b);
              let err = 0, scale = 0;
              ref.forEach((v, i) => { err = Math.max(err, Math.abs(c[i] - v)); scale = Math.max(scale, Math.abs(v)); });
              if (!(err / scale <= 1e-5)) throw new Error(`${m}x${n}x${k} ta=${ta} tb=${tb}: relative error ${err / scale}`);
            }
      } finally {
        addon.setSimd(true);
      }
    });
  }

  it('accumulates with beta = 1 and rejects short buffers with a clear error', () => {
    const addon = load.addon!;
    const c = new Float32Array([1, 2, 3, 4]);
    addon.gemm(false, false, 2, 2, 1, new Float32Array([1, 2]), 1, new Float32Array([10, 20]), 2, 1, c, 2);
    expect(Array.from(c)).toEqual([11, 22, 23, 44]);
    expect(() => addon.gemm(false, false, 2, 2, 3, new Float32Array(5), 3, new Float32Array(6), 2, 0, c, 2))
      .toThrow(/argument 5 has 5 elements, needs 6/);
  });
});
