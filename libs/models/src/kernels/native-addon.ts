import * as fs from 'node:fs';
import * as path from 'node:path';

/** Functions of the compiled addon (libs/models/native); all buffers are Float32Arrays owned by JS. */
export interface NativeAddon {
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float32Array, lda: number,
    b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void;
  conv2dForward(geometry: number[], x: Float32Array, w: Float32Array, bias: Float32Array | null,
    activation: number, alpha: number, y: Float32Array): void;
  conv2dBackpropInput(geometry: number[], dy: Float32Array, w: Float32Array, dx: Float32Array): void;
  conv2dBackpropFilter(geometry: number[], x: Float32Array, dy: Float32Array, dw: Float32Array): void;
  maxPool(geometry: number[], x: Float32Array, y: Float32Array): void;
  maxPoolGrad(geometry: number[], x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  avgPool(geometry: number[], x: Float32Array, y: Float32Array): void;
  avgPoolGrad(geometry: number[], dy: Float32Array, dx: Float32Array): void;
  gatherPixels(dims: number[], rows: Float32Array, cols: Float32Array, x: Float32Array, y: Float32Array): void;
  /** x as [outer, axisDim, inner] gathered along the middle axis; false (out untouched) when an index is out of range. */
  gatherAxis(outer: number, axisDim: number, inner: number, x: Float32Array, indices: Int32Array, out: Float32Array): boolean;
  binary(op: number, rows: number, cols: number, a: Float32Array, aRow: number, aCol: number,
    b: Float32Array, bRow: number, bCol: number, out: Float32Array): void;
  binaryBroadcast(op: number, shape: number[], a: Float32Array, aStrides: number[], b: Float32Array,
    bStrides: number[], out: Float32Array): void;
  unary(op: number, x: Float32Array, alpha: number, out: Float32Array): void;
  reduceRows(rows: number, cols: number, x: Float32Array, scale: number, out: Float32Array): void;
  reduceCols(rows: number, cols: number, x: Float32Array, scale: number, out: Float32Array): void;
  reduceAxes(shape: number[], reduceFlags: number[], x: Float32Array, scale: number, out: Float32Array): void;
  tileRows(rows: number, cols: number, v: Float32Array, scale: number, out: Float32Array): void;
  batchNorm(rows: number, cols: number, x: Float32Array, mean: Float32Array, variance: Float32Array,
    offset: Float32Array, scale: Float32Array, eps: number, y: Float32Array): void;
  batchNormGrad(rows: number, cols: number, x: Float32Array, dy: Float32Array, mean: Float32Array,
    variance: Float32Array, scale: Float32Array, eps: number, dx: Float32Array, dmean: Float32Array,
    dvar: Float32Array, dscale: Float32Array, doffset: Float32Array): void;
  info(): { threads: number; avx2Fma: boolean; gemm: string };
  setThreads(n: number): void;
  setSimd(enabled: boolean): void;
}

/** Folder with the addon and the gradient bundle (same relative place from src/ and dist/). */
export const nativeBuildDir = (): string => path.resolve(__dirname, '..', '..', 'native', 'build');

/** The command that builds the addon and the gradient bundle, with this installation's path. */
export const nativeBuildCommand = (): string => `node ${path.resolve(nativeBuildDir(), '..', 'build.js')}`;

export type NativeLoad = { addon: NativeAddon; file: string } | { addon: undefined; reason: string };

let cached: NativeLoad | undefined;

/**
 * Loads the native kernel addon once. `DET_NATIVE=0` disables it; a missing build or a load
 * failure is reported as `reason` (callers fall back to wasm/cpu).
 */
export function loadNativeAddon(options: { file?: string; env?: NodeJS.ProcessEnv; reload?: boolean } = {}): NativeLoad {
  if (cached && !options.reload && !options.file && !options.env) return cached;
  const env = options.env ?? process.env;
  const file = options.file ?? path.join(nativeBuildDir(), 'det_native.node');
  let result: NativeLoad;
  if (env.DET_NATIVE === '0') {
    result = { addon: undefined, reason: 'disabled by DET_NATIVE=0' };
  } else if (!fs.existsSync(file)) {
    result = { addon: undefined, reason: `not built (${file} missing; run \`${nativeBuildCommand()}\`)` };
  } else {
    try {
      const addon = require(file) as NativeAddon;
      const threads = Number(env.DET_NATIVE_THREADS);
      if (Number.isInteger(threads) && threads > 0 && threads !== addon.info().threads) addon.setThreads(threads);
      result = { addon, file };
    } catch (err) {
      result = { addon: undefined, reason: `failed to load ${file}: ${(err as Error).message}` };
    }
  }
  if (!options.file && !options.env) cached = result;
  return result;
}
