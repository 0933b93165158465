/**
 * GPU feature probe for the tensor-core route (bench/README.md, "GPU: WebGPU vs PyTorch").
 *
 * Answers, in seconds, on whatever GPU the `webgpu` package (Dawn) finds:
 *   1. what the adapter is and offers: vendor/architecture/device, sorted feature list, compute
 *      limits, subgroup sizes, `subgroups` / `shader-f16` / `timestamp-query`, and Dawn's
 *      experimental `chromium-experimental-subgroup-matrix` feature with its `subgroupMatrixConfigs`
 *      (component/result types, M, N, K): the only way from WebGPU to tensor cores (on Vulkan it
 *      is VK_KHR_cooperative_matrix);
 *   2. if that feature is there: for every f32/f16 config, a WGSL GEMM C = A·B built on
 *      subgroup_matrix_left/right/result (A and B stay f32 in memory, as det keeps them, and are
 *      converted to the component type while staged in workgroup memory), checked against a
 *      float64 CPU reference and timed;
 *   3. always: a plain-f32 tiled WGSL GEMM (64×64 block, 4×4 per thread, workgroup memory), checked
 *      and timed on the same device, so each subgroup-matrix line can say how many times faster.
 * Sizes: correctness at 128×128×128 (full CPU reference); timing at 4096³ and the detector-shaped
 * M=409600 (16·160²), N=64, K=288 (a 3×3×32 conv of a batch-16 160×160 level as a GEMM), each
 * also checked on 256 sampled outputs. GPU timestamp queries when the adapter has them, else wall
 * clock around onSubmittedWorkDone; one warm-up, median of 5.
 *
 * Run: bash bench/gpu/build.sh && node bench/gpu/dist/feature-probe.cjs [--quick|--full] [--timeout 90]
 *   --quick: small timing sizes (512³ and M=25600 (16·40²), N=64, K=288); the default on a
 *   fallback (software) adapter such as lavapipe. --full forces the large sizes there.
 * Output: one JSON line per finding (`probe` says which); failures (a missing feature, a shader
 * that does not compile, a device error) are lines too, and the probe goes on and exits 0. An
 * overall watchdog (default 90 s) prints what was running and exits 2; new timing cases are not
 * started after 60 s.
 */
/// <reference types="node" />
/// <reference types="@webgpu/types" />
import { loadDawn } from '../../libs/models/src/webgpu/dawn';
import { roundToF16 } from '../../libs/models/src/testing/f16';

// ---------------------------------------------------------------------------------------------
// Output, watchdog, error plumbing

const started = performance.now();
let current = 'start';
const elapsedS = (): number => Math.round(performance.now() - started) / 1000;

function emit(probe: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ bench: 'feature-probe', probe, t: elapsedS(), ...fields }) + '\n');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Rejects after `ms`, so a GPU wait that never returns becomes an error line, not a hang. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs one step; a throw becomes a `failed` line and `undefined`, so the probe goes on. */
async function step<T>(name: string, fields: Record<string, unknown>, fn: () => Promise<T>): Promise<T | undefined> {
  const previous = current;
  current = `${name} ${JSON.stringify(fields)}`;
  try {
    return await fn();
  } catch (err) {
    emit('failed', { step: name, ...fields, error: errorMessage(err) });
    return undefined;
  } finally {
    current = previous;
  }
}

const ERROR_FILTERS: GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];

/** Runs `fn` inside validation / out-of-memory / internal error scopes and throws what they caught. */
async function scoped<T>(device: GPUDevice, what: string, fn: () => T | Promise<T>): Promise<T> {
  for (const filter of ERROR_FILTERS) device.pushErrorScope(filter);
  let result: T | undefined;
  let thrown: unknown;
  try {
    result = await fn();
  } catch (err) {
    thrown = err;
  }
  const caught: string[] = [];
  for (const filter of [...ERROR_FILTERS].reverse()) {
    const error = await withTimeout(device.popErrorScope(), 10_000, `${what}: popErrorScope`);
    if (error) caught.push(`${filter}: ${error.message}`);
  }
  if (thrown !== undefined) throw thrown;
  if (caught.length) throw new Error(`${what}: ${caught.join(' | ')}`);
  return result as T;
}

// ---------------------------------------------------------------------------------------------
// Dawn: det's loader (the bundle carries node_modules/webgpu next to it; see build.sh)

// allow_unsafe_apis exposes Dawn's experimental features (subgroup matrices among them);
// use_vulkan_memory_model because Dawn's SPIR-V writer refuses subgroup matrices without it;
// vulkan_enable_f16_on_nvidia because Dawn withholds shader-f16 on NVIDIA's Vulkan driver without it;
// no timestamp quantization, which would blur sub-millisecond kernel times.
const DAWN_FLAGS = ['enable-dawn-features=allow_unsafe_apis,use_vulkan_memory_model,vulkan_enable_f16_on_nvidia', 'disable-dawn-features=timestamp_quantization'];
const SUBGROUP_MATRIX = 'chromium-experimental-subgroup-matrix';

// ---------------------------------------------------------------------------------------------
// Host-side numbers: inputs, f16 rounding, references

/** Deterministic uniform floats in [-1, 1) (xorshift32), so reruns see the same inputs. */
function randomMatrix(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

function f16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

interface Gemm {
  m: number;
  n: number;
  k: number;
}

interface ErrorStats {
  /** largest |gpu - ref| */
  maxAbs: number;
  /** maxAbs / max|ref|: the error relative to the output's scale */
  maxRel: number;
  checked: number;
  nonFinite: number;
}

/** Compares GPU output to a float64 reference at every index of `cells` (all when undefined). */
function compare(
  gpu: (index: number) => number,
  a: Float32Array,
  b: Float32Array,
  g: Gemm,
  round: (x: number) => number,
  cells: Array<[number, number]>,
): ErrorStats {
  let maxAbs = 0;
  let maxRef = 0;
  let nonFinite = 0;
  for (const [i, j] of cells) {
    let ref = 0;
    for (let p = 0; p < g.k; p++) ref += round(a[i * g.k + p]) * round(b[p * g.n + j]);
    const got = gpu(i * g.n + j);
    if (!Number.isFinite(got)) nonFinite++;
    maxAbs = Math.max(maxAbs, Math.abs(got - ref));
    maxRef = Math.max(maxRef, Math.abs(ref));
  }
  if (nonFinite) maxAbs = Infinity;
  return { maxAbs, maxRel: maxRef > 0 ? maxAbs / maxRef : maxAbs, checked: cells.length, nonFinite };
}

function allCells(g: Gemm): Array<[number, number]> {
  const cells: Array<[number, number]> = [];
  for (let i = 0; i < g.m; i++) for (let j = 0; j < g.n; j++) cells.push([i, j]);
  return cells;
}

function sampledCells(g: Gemm, count: number, seed: number): Array<[number, number]> {
  const r = randomMatrix(2 * count, seed);
  const cells: Array<[number, number]> = [[0, 0], [g.m - 1, g.n - 1]];
  for (let s = 0; s < count - 2; s++) {
    cells.push([Math.min(g.m - 1, Math.floor(((r[2 * s] + 1) / 2) * g.m)), Math.min(g.n - 1, Math.floor(((r[2 * s + 1] + 1) / 2) * g.n))]);
  }
  return cells;
}

const identity = (x: number): number => x;

// ---------------------------------------------------------------------------------------------
// Kernels

interface Kernel {
  /** short name in the output, e.g. `wgsl-f32` or `sgmat f16xf16->f32 16x16x16 b64x64` */
  name: string;
  /** output rows/cols per workgroup; GEMMs must be multiples of these and of blockK */
  blockM: number;
  blockN: number;
  blockK: number;
  resultType: 'f32' | 'f16';
  /** the element rounding the kernel applies to A and B before multiplying (for the reference) */
  inputRounding: (x: number) => number;
  /** correctness tolerance on maxRel (error relative to max|ref|) for a reduction of length k */
  tolerance(k: number): number;
  wgsl(g: Gemm): string;
  /** subgroup-matrix kernels: the WGSL spelling that compiled (see pickSyntax) */
  syntax?: LayoutSyntax;
  enableSubgroups?: boolean;
  uniformityOff?: boolean;
  /** checked at 128³ only, not timed: a variant that isolates one of det's conv-kernel habits */
  diagnostic?: boolean;
}

/**
 * What det's f16 conv kernels do that the probe's plain GEMM does not (subgroup-matrix-wgsl.ts),
 * one at a time, so a GPU where det's kernels fail their check while the plain GEMM is right
 * (NVIDIA, 2026-11-26) shows which habit breaks: `colMajorB` stages B transposed (N × K) and
 * loads it column-major; `scratchStore` stores results into workgroup memory (f32, rows padded
 * by 4 floats, one result-matrix row of subgroups per pass, barriers around) and copies them out
 * with every thread; `tfjsEntry` runs a one-dimensional workgroup whose entry point hands
 * `subgroup_id` to a function with the body, as det's shaders run inside tfjs's `_start`
 * (shader-hooks.ts). Needs `subgroups`.
 */
interface DetHabits { colMajorB?: boolean; scratchStore?: boolean; tfjsEntry?: boolean }

/** Plain-f32 tiled GEMM: 64×64 output block per 16×16 workgroup, 4×4 per thread, K in steps of 16. */
function plainF32Kernel(): Kernel {
  const BM = 64;
  const BN = 64;
  const BK = 16;
  return {
    name: 'wgsl-f32 64x64 4x4/thread',
    blockM: BM,
    blockN: BN,
    blockK: BK,
    resultType: 'f32',
    inputRounding: identity,
    // f32 rounding grows about like sqrt(k)·2^-24 in maxRel; 1e-6·sqrt(k) leaves a wide margin
    // (seen: 4e-7 at k=128 on lavapipe) and still fails a 1e-3 error in one output
    tolerance: (k) => 1e-6 * Math.sqrt(k),
    wgsl: ({ n, k }) => {
      const fma: string[] = [];
      for (let i = 0; i < 4; i++) fma.push(`      acc${i} = fma(vec4f(a[${i}]), b, acc${i});`);
      const stores: string[] = [];
      for (let i = 0; i < 4; i++) {
        stores.push(`  {
    let base = (row0 + lid.y * 4u + ${i}u) * N + col0 + lid.x * 4u;
    C[base] = acc${i}.x; C[base + 1u] = acc${i}.y; C[base + 2u] = acc${i}.z; C[base + 3u] = acc${i}.w;
  }`);
      }
      return `
const N = ${n}u;
const K = ${k}u;
const BM = ${BM}u;
const BN = ${BN}u;
const BK = ${BK}u;
@group(0) @binding(0) var<storage, read> A : array<f32>;
@group(0) @binding(1) var<storage, read> B : array<f32>;
@group(0) @binding(2) var<storage, read_write> C : array<f32>;
// As is k-major (As[kk * BM + m]) so a thread's 4 rows are adjacent; Bs is row-major.
var<workgroup> As : array<f32, ${BM * BK}>;
var<workgroup> Bs : array<f32, ${BK * BN}>;

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid : vec3u, @builtin(workgroup_id) wid : vec3u) {
  let tid = lid.y * 16u + lid.x;
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k0 = 0u; k0 < K; k0 += BK) {
    for (var i = 0u; i < ${(BM * BK) / 256}u; i++) {
      let e = i * 256u + tid;
      let r = e / BK;
      let c = e % BK;
      As[c * BM + r] = A[(row0 + r) * K + k0 + c];
    }
    for (var i = 0u; i < ${(BK * BN) / 256}u; i++) {
      let e = i * 256u + tid;
      let r = e / BN;
      let c = e % BN;
      Bs[e] = B[(k0 + r) * N + col0 + c];
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      let ai = kk * BM + lid.y * 4u;
      let bi = kk * BN + lid.x * 4u;
      let a = vec4f(As[ai], As[ai + 1u], As[ai + 2u], As[ai + 3u]);
      let b = vec4f(Bs[bi], Bs[bi + 1u], Bs[bi + 2u], Bs[bi + 3u]);
${fma.join('\n')}
    }
    workgroupBarrier();
  }
${stores.join('\n')}
}
`;
    },
  };
}

interface SubgroupMatrixConfig {
  componentType: string;
  resultComponentType: string;
  M: number;
  N: number;
  K: number;
}

/** How the installed Dawn spells a row-major load/store (the layout moved into a template argument in 2025). */
type LayoutSyntax = 'template' | 'bool';

/**
 * Subgroup-matrix GEMM: a workgroup of 2×2 subgroups (workgroup_size(subgroupMaxSize, 4): Dawn
 * wants x a multiple of the max subgroup size, and each y row is then one subgroup); each subgroup
 * owns tilesM×tilesN result matrices of the config's M×N. Per K step of blockK, the workgroup
 * stages an A block (blockM×blockK) and a B block (blockK×blockN) in workgroup memory, converted to
 * the component type, and every subgroup loads its left/right matrices from there.
 */
function subgroupMatrixKernel(
  cfg: SubgroupMatrixConfig,
  subgroupSize: number,
  subgroupRows: number,
  subgroupCols: number,
  syntax: LayoutSyntax,
  enableSubgroups: boolean,
  uniformityOff = false,
  pad = 0,
  habits: DetHabits = {},
): Kernel {
  const ct = cfg.componentType as 'f32' | 'f16';
  const rt = cfg.resultComponentType as 'f32' | 'f16';
  const tilesM = Math.max(1, Math.floor(subgroupRows / cfg.M));
  const tilesN = Math.max(1, Math.floor(subgroupCols / cfg.N));
  const SM = tilesM * cfg.M; // rows per subgroup
  const SN = tilesN * cfg.N; // cols per subgroup
  const BM = 2 * SM;
  const BN = 2 * SN;
  const BK = cfg.K * Math.max(1, Math.floor(32 / cfg.K));
  const T = subgroupSize * 4;
  if ((BM * BK) % T || (BK * BN) % T) throw new Error(`block ${BM}x${BK}/${BK}x${BN} does not split over ${T} threads`);
  // row strides of the staged blocks: `pad` elements more (det's kernels pad 16 bytes against
  // shared-memory bank conflicts: subgroup-matrix-wgsl.ts)
  const LDA = BK + pad;
  const LDB = habits.colMajorB ? BK + pad : BN + pad; // column-major B: N rows of K
  const LDC = BN + 4; // the scratch's row stride (det pads f32 rows by 4)
  const left = `subgroup_matrix_left<CT, ${cfg.K}, ${cfg.M}>`;
  const right = `subgroup_matrix_right<CT, ${cfg.N}, ${cfg.K}>`;
  const result = `subgroup_matrix_result<RT, ${cfg.N}, ${cfg.M}>`;
  const load = (type: string, ptr: string, offset: string, stride: string, colMajor = false): string =>
    syntax === 'template'
      ? `subgroupMatrixLoad<${type}, ${colMajor ? 'col_major' : 'row_major'}>(${ptr}, ${offset}, ${stride})`
      : `subgroupMatrixLoad<${type}>(${ptr}, ${offset}, ${colMajor}, ${stride})`;
  const store = (ptr: string, offset: string, value: string, stride: string): string =>
    syntax === 'template'
      ? `subgroupMatrixStore<row_major>(${ptr}, ${offset}, ${value}, ${stride});`
      : `subgroupMatrixStore(${ptr}, ${offset}, ${value}, false, ${stride});`;
  const usesF16 = ct === 'f16' || rt === 'f16';
  const f32Tolerance = 3e-3; // f32 components may run as TF32 (10-bit mantissa) on tensor cores
  return {
    name: `sgmat ${ct}x${ct}->${rt} ${cfg.M}x${cfg.N}x${cfg.K} b${BM}x${BN}x${BK}${pad ? `+pad${pad}` : ''} ${syntax}${enableSubgroups ? '+subgroups' : ''}${uniformityOff ? '+nouniformity' : ''}${habits.colMajorB ? ' +det:col-major B' : ''}${habits.scratchStore ? ' +det:scratch store' : ''}${habits.tfjsEntry ? ' +det:1-D entry, sid via call' : ''}`,
    diagnostic: !!(habits.colMajorB || habits.scratchStore || habits.tfjsEntry),
    syntax,
    enableSubgroups,
    uniformityOff,
    blockM: BM,
    blockN: BN,
    blockK: BK,
    resultType: rt,
    inputRounding: ct === 'f16' ? roundToF16 : identity,
    tolerance: () => (rt === 'f16' ? 1e-2 : ct === 'f16' ? 1e-3 : f32Tolerance),
    wgsl: ({ n, k }) => {
      const lines: string[] = [];
      const accs: string[] = [];
      for (let tm = 0; tm < tilesM; tm++) for (let tn = 0; tn < tilesN; tn++) accs.push(`  var acc_${tm}_${tn} = ${result}();`);
      for (let kk = 0; kk < BK; kk += cfg.K) {
        for (let tm = 0; tm < tilesM; tm++) {
          lines.push(`    let l${kk}_${tm} = ${load(left, '&As', `(sgRow * ${SM}u + ${tm * cfg.M}u) * LDA + ${kk}u`, 'LDA')};`);
        }
        for (let tn = 0; tn < tilesN; tn++) {
          lines.push(habits.colMajorB
            ? `    let r${kk}_${tn} = ${load(right, '&Bs', `(sgCol * ${SN}u + ${tn * cfg.N}u) * LDB + ${kk}u`, 'LDB', true)};`
            : `    let r${kk}_${tn} = ${load(right, '&Bs', `${kk}u * LDB + sgCol * ${SN}u + ${tn * cfg.N}u`, 'LDB')};`);
        }
        for (let tm = 0; tm < tilesM; tm++) {
          for (let tn = 0; tn < tilesN; tn++) {
            lines.push(`    acc_${tm}_${tn} = subgroupMatrixMultiplyAccumulate(l${kk}_${tm}, r${kk}_${tn}, acc_${tm}_${tn});`);
          }
        }
      }
      const stores: string[] = [];
      for (let tm = 0; tm < tilesM; tm++) {
        if (habits.scratchStore) {
          // pass tm: scratch row r = sgRow·M + i holds tile row sgRow·SM + tm·M + i
          for (let tn = 0; tn < tilesN; tn++) stores.push(`  ${store('&Cs', `sgRow * ${cfg.M}u * LDC + sgCol * ${SN}u + ${tn * cfg.N}u`, `acc_${tm}_${tn}`, 'LDC')}`);
          stores.push(`  workgroupBarrier();
  for (var e = tid; e < ${2 * cfg.M * BN}u; e += ${T}u) {
    let r = e / BN;
    let c = e % BN;
    C[(row0 + (r / ${cfg.M}u) * ${SM}u + ${tm * cfg.M}u + r % ${cfg.M}u) * N + col0 + c] = Cs[r * LDC + c];
  }
  workgroupBarrier();`);
          continue;
        }
        for (let tn = 0; tn < tilesN; tn++) {
          stores.push(`  ${store('&C', `(row0 + sgRow * ${SM}u + ${tm * cfg.M}u) * N + col0 + sgCol * ${SN}u + ${tn * cfg.N}u`, `acc_${tm}_${tn}`, 'N')}`);
        }
      }
      const enables = ['chromium_experimental_subgroup_matrix', ...(usesF16 ? ['f16'] : []), ...(enableSubgroups ? ['subgroups'] : [])];
      return `
${enables.map((e) => `enable ${e};`).join('\n')}
${uniformityOff ? 'diagnostic(off, chromium_experimental.subgroup_matrix_uniformity);' : ''}
alias CT = ${ct};
alias RT = ${rt};
const N = ${n}u;
const K = ${k}u;
const BM = ${BM}u;
const BN = ${BN}u;
const BK = ${BK}u;
const LDA = ${LDA}u;
const LDB = ${LDB}u;
const LDC = ${LDC}u;
const SG = ${subgroupSize}u;
@group(0) @binding(0) var<storage, read> A : array<f32>;
@group(0) @binding(1) var<storage, read> B : array<f32>;
@group(0) @binding(2) var<storage, read_write> C : array<RT>;
var<workgroup> As : array<CT, ${BM * LDA}>; // row-major BM×BK, rows LDA apart
var<workgroup> Bs : array<CT, ${habits.colMajorB ? BN * LDB : BK * LDB}>; // row-major BK×BN, rows LDB apart (colMajorB: BN rows of BK)
${habits.scratchStore ? `var<workgroup> Cs : array<RT, ${2 * cfg.M * LDC}>; // one result-matrix row of both subgroup rows` : ''}

${habits.tfjsEntry ? `@compute @workgroup_size(${T})
fn main(@builtin(local_invocation_id) lid : vec3u, @builtin(workgroup_id) wid : vec3u, @builtin(subgroup_id) sid : u32) {
  body(lid, wid, sid);
}

fn body(lid : vec3u, wid : vec3u, sid : u32) {` : `@compute @workgroup_size(SG, 4)
fn main(@builtin(local_invocation_id) lid : vec3u, @builtin(workgroup_id) wid : vec3u${enableSubgroups ? ', @builtin(subgroup_id) sid : u32' : ''}) {`}
  let tid = lid.y * SG + lid.x;
  // Dawn requires subgroup-matrix offsets to be uniform; subgroup_id counts as uniform, lid.y does
  // not. (If the device runs smaller subgroups than SG, the extra ones redo a tile: same values.)
  let sgRow = ${enableSubgroups ? '(sid / 2u) % 2u' : 'lid.y / 2u'};
  let sgCol = ${enableSubgroups ? 'sid % 2u' : 'lid.y % 2u'};
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
${accs.join('\n')}
  for (var k0 = 0u; k0 < K; k0 += BK) {
    for (var i = 0u; i < ${(BM * BK) / T}u; i++) {
      let e = i * ${T}u + tid;
      As[(e / BK) * LDA + e % BK] = CT(A[(row0 + e / BK) * K + k0 + e % BK]);
    }
    for (var i = 0u; i < ${(BK * BN) / T}u; i++) {
      let e = i * ${T}u + tid;
      Bs[${habits.colMajorB ? '(e % BN) * LDB + e / BN' : '(e / BN) * LDB + e % BN'}] = CT(B[(k0 + e / BN) * N + col0 + e % BN]);
    }
    workgroupBarrier();
${lines.join('\n')}
    workgroupBarrier();
  }
${stores.join('\n')}
}
`;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// GPU plumbing: buffers, pipelines, timing, readback

const GPU_WAIT_MS = 20_000;

async function waitIdle(device: GPUDevice, what: string): Promise<void> {
  await withTimeout(device.queue.onSubmittedWorkDone(), GPU_WAIT_MS, `${what}: onSubmittedWorkDone`);
}

function uploadF32(device: GPUDevice, data: Float32Array): GPUBuffer {
  const buffer = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
  new Float32Array(buffer.getMappedRange()).set(data);
  buffer.unmap();
  return buffer;
}

async function readBack(device: GPUDevice, src: GPUBuffer, bytes: number, what: string): Promise<ArrayBuffer> {
  const staging = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(src, 0, staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await withTimeout(staging.mapAsync(GPUMapMode.READ), GPU_WAIT_MS, `${what}: mapAsync`);
    return staging.getMappedRange().slice(0);
  } finally {
    staging.destroy();
  }
}

/** Reads element i of a result buffer (f16 decoded on demand: only checked cells are read). */
function resultReader(data: ArrayBuffer, type: 'f32' | 'f16'): (index: number) => number {
  if (type === 'f32') {
    const values = new Float32Array(data);
    return (i) => values[i];
  }
  const bits = new Uint16Array(data);
  return (i) => f16BitsToNumber(bits[i]);
}

/** Compiles a WGSL module and a compute pipeline; compile messages become the error text. */
async function buildPipeline(device: GPUDevice, code: string, what: string): Promise<GPUComputePipeline> {
  return scoped(device, what, async () => {
    const module = device.createShaderModule({ code });
    const info = await withTimeout(module.getCompilationInfo(), GPU_WAIT_MS, `${what}: getCompilationInfo`);
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length) throw new Error(`WGSL compile: ${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join(' | ')}`);
    return withTimeout(device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } }), GPU_WAIT_MS, `${what}: createComputePipelineAsync`);
  });
}

interface Timer {
  /** GPU ms of one dispatch (timestamps) or wall ms around submit → onSubmittedWorkDone */
  time(encodePass: (pass: GPUComputePassEncoder) => void, what: string): Promise<{ ms: number; source: 'timestamp' | 'wall' }>;
}

function makeTimer(device: GPUDevice, timestamps: boolean): Timer {
  const querySet = timestamps ? device.createQuerySet({ type: 'timestamp', count: 2 }) : undefined;
  const resolve = timestamps ? device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : undefined;
  return {
    async time(encodePass, what) {
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass(
        querySet ? { timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {},
      );
      encodePass(pass);
      pass.end();
      if (querySet && resolve) encoder.resolveQuerySet(querySet, 0, 2, resolve, 0);
      const t0 = performance.now();
      device.queue.submit([encoder.finish()]);
      await waitIdle(device, what);
      const wall = performance.now() - t0;
      if (resolve) {
        const ticks = new BigInt64Array(await readBack(device, resolve, 16, `${what}: timestamps`));
        const ns = Number(ticks[1] - ticks[0]);
        if (ns > 0) return { ms: ns / 1e6, source: 'timestamp' };
      }
      return { ms: wall, source: 'wall' };
    },
  };
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

interface CaseInputs {
  g: Gemm;
  label: string;
  a: Float32Array;
  b: Float32Array;
  aBuf: GPUBuffer;
  bBuf: GPUBuffer;
}

interface RunOptions {
  /** check every output (small sizes) or this many sampled outputs */
  check: 'all' | number;
  /** timed repetitions after one warm-up; 0 = correctness only */
  repeats: number;
}

interface CaseResult {
  kernel: string;
  ok: boolean;
  ms?: number;
  tflops?: number;
}

/** Compiles (once per size), runs, checks and optionally times one kernel on one GEMM. */
async function runCase(device: GPUDevice, timer: Timer, kernel: Kernel, input: CaseInputs, opts: RunOptions): Promise<CaseResult | undefined> {
  const { g } = input;
  const fields = { kernel: kernel.name, case: input.label, m: g.m, n: g.n, k: g.k };
  return step(opts.repeats ? 'gemm-time' : 'gemm-check', fields, async () => {
    if (g.m % kernel.blockM || g.n % kernel.blockN || g.k % kernel.blockK) {
      throw new Error(`size is not a multiple of the kernel block ${kernel.blockM}x${kernel.blockN}x${kernel.blockK}`);
    }
    const pipeline = await buildPipeline(device, kernel.wgsl(g), kernel.name);
    const outBytes = g.m * g.n * (kernel.resultType === 'f16' ? 2 : 4);
    const limit = device.limits.maxStorageBufferBindingSize;
    if (outBytes > limit || g.m * g.k * 4 > limit) throw new Error(`buffers exceed maxStorageBufferBindingSize ${limit}`);
    const out = device.createBuffer({ size: outBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    try {
      const bindGroup = await scoped(device, 'bind group', () =>
        device.createBindGroup({
          layout: pipeline.getBindGroupLayout(0),
          entries: [input.aBuf, input.bBuf, out].map((buffer, binding) => ({ binding, resource: { buffer } })),
        }),
      );
      const groups: [number, number] = [g.n / kernel.blockN, g.m / kernel.blockM];
      const encode = (pass: GPUComputePassEncoder): void => {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(groups[0], groups[1]);
      };
      // warm-up run, whose output is the one checked
      const first = await scoped(device, 'dispatch', () => timer.time(encode, kernel.name));
      const values = resultReader(await readBack(device, out, outBytes, kernel.name), kernel.resultType);
      const cells = opts.check === 'all' ? allCells(g) : sampledCells(g, opts.check, 7);
      const err = compare(values, input.a, input.b, g, kernel.inputRounding, cells);
      // also against unrounded f32 inputs: what det would lose by feeding f32 data through f16
      const errVsF32 = kernel.inputRounding === identity ? undefined : compare(values, input.a, input.b, g, identity, cells).maxRel;
      const tolerance = kernel.tolerance(g.k);
      const ok = err.maxRel <= tolerance;
      const flops = 2 * g.m * g.n * g.k;
      if (!opts.repeats) {
        emit('gemm-check', { ...fields, ok, maxAbs: err.maxAbs, maxRel: err.maxRel, tolerance, checked: err.checked, nonFinite: err.nonFinite, errVsF32, firstRunMs: first.ms });
        return { kernel: kernel.name, ok };
      }
      const times: number[] = [];
      let source = first.source;
      for (let r = 0; r < opts.repeats; r++) {
        const t = await scoped(device, 'dispatch', () => timer.time(encode, kernel.name));
        times.push(t.ms);
        source = t.source;
      }
      const ms = median(times);
      const tflops = flops / (ms * 1e-3) / 1e12;
      emit('gemm-time', {
        ...fields,
        ms: +ms.toFixed(4),
        tflops: +tflops.toFixed(3),
        timing: source,
        runsMs: times.map((t) => +t.toFixed(4)),
        sampledOk: ok,
        sampledMaxRel: err.maxRel,
        tolerance,
        errVsF32,
        checked: err.checked,
      });
      return { kernel: kernel.name, ok, ms, tflops };
    } finally {
      out.destroy();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Main

interface Args {
  quick?: boolean;
  timeoutS: number;
  budgetS: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { timeoutS: 90, budgetS: 60 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') args.quick = true;
    else if (argv[i] === '--full') args.quick = false;
    else if (argv[i] === '--timeout') args.timeoutS = Number(argv[++i]);
    else if (argv[i] === '--budget') args.budgetS = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

const RELEVANT_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxImmediateSize',
];

interface AdapterInfoExtra {
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
  isFallbackAdapter?: boolean;
  subgroupMatrixConfigs?: Array<Record<string, unknown>>;
}

function readConfigs(info: AdapterInfoExtra): SubgroupMatrixConfig[] {
  return (info.subgroupMatrixConfigs ?? []).map((c) => ({
    componentType: String(c.componentType).toLowerCase(),
    resultComponentType: String(c.resultComponentType).toLowerCase(),
    M: Number(c.M),
    N: Number(c.N),
    K: Number(c.K),
  }));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const watchdog = setTimeout(() => {
    emit('timeout', { running: current, afterS: args.timeoutS });
    process.exit(2);
  }, args.timeoutS * 1000);

  const dawn = await step('load-dawn', {}, async () => loadDawn());
  if (!dawn) return;
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  }
  const gpu = dawn.create(DAWN_FLAGS) as unknown as GPU;
  const adapter = await step('request-adapter', {}, async () => {
    const found = await withTimeout(gpu.requestAdapter({ powerPreference: 'high-performance' }), GPU_WAIT_MS, 'requestAdapter');
    if (!found) throw new Error('no WebGPU adapter (no Vulkan device visible to Dawn?)');
    return found;
  });
  if (!adapter) return;

  const info = (adapter as unknown as { info: GPUAdapterInfo }).info as GPUAdapterInfo & AdapterInfoExtra;
  const features = [...adapter.features].sort();
  const has = (f: string): boolean => adapter.features.has(f);
  const limits: Record<string, number> = {};
  for (const name of RELEVANT_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number | undefined>)[name];
    if (v !== undefined) limits[name] = v;
  }
  const configs = readConfigs(info);
  const wgslFeatures = (gpu as GPU & { wgslLanguageFeatures?: Iterable<string> }).wgslLanguageFeatures;
  emit('adapter', {
    dawnFlags: DAWN_FLAGS,
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: info.isFallbackAdapter,
    subgroupMinSize: info.subgroupMinSize,
    subgroupMaxSize: info.subgroupMaxSize,
    subgroups: has('subgroups'),
    shaderF16: has('shader-f16'),
    timestampQuery: has('timestamp-query'),
    subgroupMatrix: has(SUBGROUP_MATRIX),
    subgroupMatrixConfigs: configs,
    features,
    limits,
    wgslLanguageFeatures: wgslFeatures ? [...wgslFeatures].sort() : undefined,
  });

  const quick = args.quick ?? info.isFallbackAdapter === true;
  const usable = dedupe(configs.filter((c) => ['f32', 'f16'].includes(c.componentType) && ['f32', 'f16'].includes(c.resultComponentType)));
  const sgmatOk = has(SUBGROUP_MATRIX) && usable.length > 0;
  if (!sgmatOk) {
    emit('subgroup-matrix', {
      available: false,
      why: !has(SUBGROUP_MATRIX)
        ? `adapter lacks '${SUBGROUP_MATRIX}' (Dawn exposes it on Vulkan only with VK_KHR_cooperative_matrix, the Vulkan memory model and full compute subgroups)`
        : `no f32/f16 config among ${JSON.stringify(configs)}`,
    });
  }
  const needF16 = sgmatOk && usable.some((c) => c.componentType === 'f16' || c.resultComponentType === 'f16');
  if (needF16 && !has('shader-f16')) emit('failed', { step: 'features', error: 'f16 subgroup-matrix configs need shader-f16, which the adapter lacks; they are skipped' });
  const wanted = [
    ...(sgmatOk ? [SUBGROUP_MATRIX] : []),
    ...(needF16 && has('shader-f16') ? ['shader-f16'] : []),
    ...(has('subgroups') ? ['subgroups'] : []),
    ...(has('timestamp-query') ? ['timestamp-query'] : []),
  ];
  const requiredLimits: Record<string, number> = {};
  for (const name of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX']) {
    if (limits[name] !== undefined) requiredLimits[name] = limits[name];
  }
  // With the experimental feature first; if that device cannot be had, a plain one for the baseline.
  let device = await step('request-device', { features: wanted }, () =>
    withTimeout(adapter.requestDevice({ requiredFeatures: wanted as GPUFeatureName[], requiredLimits }), GPU_WAIT_MS, 'requestDevice'),
  );
  let sgmatOnDevice = sgmatOk && device !== undefined;
  if (!device) {
    const plain = wanted.filter((f) => f === 'timestamp-query');
    device = await step('request-device', { features: plain }, () =>
      withTimeout(adapter.requestDevice({ requiredFeatures: plain as GPUFeatureName[], requiredLimits }), GPU_WAIT_MS, 'requestDevice'),
    );
    sgmatOnDevice = false;
  }
  if (!device) return;
  const dev = device;
  let lost: string | undefined;
  let destroying = false;
  void dev.lost.then((l) => {
    if (destroying) return;
    lost = `${l.reason}: ${l.message}`;
    emit('device-lost', { reason: l.reason, message: l.message, running: current });
  });
  dev.onuncapturederror = (ev: GPUUncapturedErrorEvent) => emit('uncaptured-error', { message: ev.error.message, running: current });
  const deviceFeatures = [...dev.features].sort();
  emit('device', { features: deviceFeatures, maxStorageBufferBindingSize: dev.limits.maxStorageBufferBindingSize, quick });

  const timer = makeTimer(dev, dev.features.has('timestamp-query'));
  const subgroupSize = info.subgroupMaxSize ?? 32;
  if (sgmatOnDevice && info.subgroupMaxSize === undefined) emit('note', { message: 'adapter gives no subgroupMaxSize; assuming 32' });

  // Per usable config: the first WGSL spelling this Dawn compiles (each rejection is printed),
  // then the same with a larger block per subgroup.
  const baseline = plainF32Kernel();
  const sgmatKernels: Kernel[] = [];
  if (sgmatOnDevice) {
    for (const cfg of usable) {
      if ((cfg.componentType === 'f16' || cfg.resultComponentType === 'f16') && !dev.features.has('shader-f16')) continue;
      const kernel = await step('sgmat-compile', { config: cfg }, () => pickSyntax(dev, cfg, subgroupSize));
      if (!kernel) continue;
      sgmatKernels.push(kernel);
      // a second, larger block per subgroup (more reuse of each staged tile), when it compiles
      const big = await step('sgmat-compile', { config: cfg, variant: 'b128x64' }, async () => {
        const k = subgroupMatrixKernel(cfg, subgroupSize, 64, 32, kernel.syntax ?? 'template', kernel.enableSubgroups ?? false, kernel.uniformityOff);
        const used = (k.blockM * k.blockK + k.blockK * k.blockN) * (cfg.componentType === 'f16' ? 2 : 4);
        if (used > dev.limits.maxComputeWorkgroupStorageSize) throw new Error(`needs ${used} B of workgroup memory`);
        await buildPipeline(dev, k.wgsl({ m: 128, n: 128, k: 128 }), k.name);
        return k;
      });
      if (big && big.name !== kernel.name) sgmatKernels.push(big);
      // the larger block with rows padded by 16 bytes, as det's conv kernels stage them
      const padded = big && await step('sgmat-compile', { config: cfg, variant: 'b128x64+pad' }, async () => {
        const pad = 16 / (cfg.componentType === 'f16' ? 2 : 4);
        const k = subgroupMatrixKernel(cfg, subgroupSize, 64, 32, big.syntax ?? 'template', big.enableSubgroups ?? false, big.uniformityOff, pad);
        const used = (k.blockM * (k.blockK + pad) + k.blockK * (k.blockN + pad)) * (cfg.componentType === 'f16' ? 2 : 4);
        if (used > dev.limits.maxComputeWorkgroupStorageSize) throw new Error(`needs ${used} B of workgroup memory`);
        await buildPipeline(dev, k.wgsl({ m: 128, n: 128, k: 128 }), k.name);
        return k;
      });
      if (padded) sgmatKernels.push(padded);
      // det's conv-kernel habits, one at a time and both (checked at 128³, not timed): which one
      // breaks on a GPU where det's f16 kernels fail their check and this GEMM does not
      if (cfg.componentType === 'f16' && cfg.resultComponentType === 'f32') {
        const all = kernel.enableSubgroups ? [{ tfjsEntry: true }, { colMajorB: true, scratchStore: true, tfjsEntry: true }] : [];
        for (const habits of [{ colMajorB: true }, { scratchStore: true }, { colMajorB: true, scratchStore: true }, ...all]) {
          const d = await step('sgmat-compile', { config: cfg, variant: habits }, async () => {
            const k = subgroupMatrixKernel(cfg, subgroupSize, 32, 32, kernel.syntax ?? 'template', kernel.enableSubgroups ?? false, kernel.uniformityOff, 0, habits);
            await buildPipeline(dev, k.wgsl({ m: 128, n: 128, k: 128 }), k.name);
            return k;
          });
          if (d) sgmatKernels.push(d);
        }
      }
    }
  }

  // Correctness at 128³ against a full float64 reference.
  const small: Gemm = { m: 128, n: 128, k: 128 };
  const smallInputs = await step('upload', { case: 'check-128' }, async () => makeInputs(dev, small, 'check-128'));
  // Kernels that ran are timed even when wrong (the check result is on every line).
  const ran: Kernel[] = [];
  const correct: string[] = [];
  if (smallInputs) {
    for (const kernel of [baseline, ...sgmatKernels]) {
      if (lost) break;
      const r = await runCase(dev, timer, kernel, smallInputs, { check: 'all', repeats: 0 });
      if (r) ran.push(kernel);
      if (r?.ok) correct.push(kernel.name);
    }
    smallInputs.aBuf.destroy();
    smallInputs.bBuf.destroy();
  }

  // Timing: large square and the detector-shaped GEMM (scaled down with --quick).
  const cases: Array<{ label: string; g: Gemm }> = quick
    ? [
        { label: 'square-512', g: { m: 512, n: 512, k: 512 } },
        { label: 'detector-16x40x40-64x288', g: { m: 16 * 40 * 40, n: 64, k: 288 } },
      ]
    : [
        { label: 'square-4096', g: { m: 4096, n: 4096, k: 4096 } },
        { label: 'detector-16x160x160-64x288', g: { m: 16 * 160 * 160, n: 64, k: 288 } },
      ];
  const summary: Array<Record<string, unknown>> = [];
  for (const c of cases) {
    if (lost) break;
    if (elapsedS() > args.budgetS) {
      emit('skipped', { case: c.label, why: `time budget of ${args.budgetS} s spent` });
      continue;
    }
    const inputs = await step('upload', { case: c.label }, async () => makeInputs(dev, c.g, c.label));
    if (!inputs) continue;
    const results: CaseResult[] = [];
    for (const kernel of ran) {
      if (lost) break;
      if (kernel.diagnostic) continue;
      if (elapsedS() > args.budgetS) {
        emit('skipped', { case: c.label, kernel: kernel.name, why: `time budget of ${args.budgetS} s spent` });
        continue;
      }
      const r = await runCase(dev, timer, kernel, inputs, { check: 256, repeats: 5 });
      if (r) results.push(r);
    }
    inputs.aBuf.destroy();
    inputs.bBuf.destroy();
    const base = results.find((r) => r.kernel === baseline.name);
    for (const r of results) {
      if (r === base) continue;
      summary.push({ case: c.label, kernel: r.kernel, ms: r.ms, tflops: r.tflops, sampledOk: r.ok, speedupVsWgslF32: base?.ms && r.ms ? +(base.ms / r.ms).toFixed(2) : undefined });
    }
    if (base) summary.push({ case: c.label, kernel: base.kernel, ms: base.ms, tflops: base.tflops, sampledOk: base.ok });
  }
  const speedups = summary.filter((r) => typeof r.speedupVsWgslF32 === 'number' && r.sampledOk);
  const best = speedups.sort((x, y) => (y.speedupVsWgslF32 as number) - (x.speedupVsWgslF32 as number))[0];
  emit('summary', {
    verdict: !sgmatOnDevice
      ? 'no subgroup-matrix route on this adapter/device'
      : best
        ? `subgroup matrices: up to ${best.speedupVsWgslF32}x the plain-f32 WGSL GEMM (${best.kernel}, ${best.case})`
        : 'subgroup-matrix feature present, but no kernel both compiled, ran and checked out (see the failed lines)',
    subgroupMatrix: sgmatOnDevice,
    sgmatKernelsCompiled: sgmatKernels.map((k) => k.name),
    kernelsCorrectAt128: correct,
    results: summary,
    deviceLost: lost,
  });
  clearTimeout(watchdog);
  destroying = true;
  dev.destroy();
}

function dedupe(configs: SubgroupMatrixConfig[]): SubgroupMatrixConfig[] {
  const seen = new Map<string, SubgroupMatrixConfig>();
  for (const c of configs) seen.set(`${c.componentType}/${c.resultComponentType}/${c.M}x${c.N}x${c.K}`, c);
  return [...seen.values()];
}

/**
 * Dawn changed how row-major is spelled (a `false` col_major argument, then a `row_major`
 * template argument) and whether `enable subgroups;` is implied; the first spelling that
 * compiles wins, and every rejection is printed. Last resort, if a rejection mentions
 * uniformity: the same with Dawn's subgroup-matrix uniformity diagnostic off (every call here is
 * in uniform control flow: the loops have constant bounds).
 */
async function pickSyntax(device: GPUDevice, cfg: SubgroupMatrixConfig, subgroupSize: number): Promise<Kernel> {
  const failures: string[] = [];
  const attempt = async (variants: Array<[LayoutSyntax, boolean, boolean]>): Promise<Kernel | undefined> => {
    for (const [syntax, enableSubgroups, uniformityOff] of variants) {
      const kernel = subgroupMatrixKernel(cfg, subgroupSize, 32, 32, syntax, enableSubgroups, uniformityOff);
      try {
        await buildPipeline(device, kernel.wgsl({ m: 128, n: 128, k: 128 }), kernel.name);
        return kernel;
      } catch (err) {
        failures.push(`${kernel.name}: ${errorMessage(err)}`);
      }
    }
    return undefined;
  };
  // With `subgroups` the tiles are picked by @builtin(subgroup_id), which Dawn's uniformity
  // analysis accepts as a load/store offset (local_invocation_id is rejected): try that first.
  const spellings: Array<[LayoutSyntax, boolean, boolean]> = [];
  if (device.features.has('subgroups')) spellings.push(['template', true, false], ['bool', true, false]);
  spellings.push(['template', false, false], ['bool', false, false]);
  const kernel =
    (await attempt(spellings)) ??
    (failures.some((f) => /uniform/i.test(f)) ? await attempt([['template', false, true], ['bool', false, true]]) : undefined);
  if (kernel) return kernel;
  throw new Error(`no WGSL spelling compiled: ${failures.join(' || ')}`);
}

async function makeInputs(device: GPUDevice, g: Gemm, label: string): Promise<CaseInputs> {
  const a = randomMatrix(g.m * g.k, 12345);
  const b = randomMatrix(g.k * g.n, 67890);
  const limit = device.limits.maxStorageBufferBindingSize;
  if (a.byteLength > limit) throw new Error(`A is ${a.byteLength} B, over maxStorageBufferBindingSize ${limit}`);
  const [aBuf, bBuf] = await scoped(device, 'upload', () => [uploadF32(device, a), uploadF32(device, b)]);
  return { g, label, a, b, aBuf, bBuf };
}

main()
  .catch((err) => emit('failed', { step: current, error: errorMessage(err), stack: err instanceof Error ? err.stack : undefined }))
  .finally(() => process.exit(0));
