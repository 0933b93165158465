import * as tf from '@tensorflow/tfjs-core';
import { overrideWebGpuKernel, type KernelFunc } from './kernel-override';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { zerosInfo } from './zeros';
import { kernelTuningActive, tunedChoice, type TuningRequest } from '../tuning/kernel-tuner';
import type { SgmatTiling } from './subgroup-matrix-wgsl';
import { FilterGradVec4Program, vec4FilterGradFits } from './conv2d-filter-grad-vec4-program';
import { FILTER_SGMAT_TILINGS, SgmatFilterGradProgram } from './conv2d-filter-grad-sgmat-program';
import { directFilterGradFits, FilterGradDirectProgram, planDirectFilterGrad } from './conv2d-filter-grad-direct-program';
import { activeMatrixUnit } from '../conv-precision';
import { maxAbsBits } from './max-abs-bits-program';
import { DEFAULT_FILTER_GRAD_TILING, FILTER_GRAD_TILINGS, FilterGradPartialProgram, SumSplitsProgram, type FilterGradShape, type FilterGradTiling } from './conv2d-filter-grad-program';

// Aim for enough workgroups to fill a large GPU (an H100/H200 has 132 SMs), but keep each split's
// K range long enough that the extra partial-sum pass stays cheap. 4096, not 1024: on the H200
// 4× the splits made every reference layer's filter gradient 15–25% faster at batch 16 while
// the split sum stayed ≤ 0.1 ms (`step-bench.cjs sweep`, 2026-11-26).
const TARGET_WORKGROUPS = 4096;
const MIN_K_PER_SPLIT = 256;
const MAX_PARTIAL_BYTES = 256 * 1024 * 1024;

/** How many ways to split K for this shape (1 = no second pass). */
type TileSizes = Pick<FilterGradTiling, 'tileM' | 'tileN' | 'tileK'>;

export function chooseSplits(m: number, n: number, k: number, tiling: TileSizes = DEFAULT_FILTER_GRAD_TILING): number {
  const tiles = Math.ceil(m / tiling.tileM) * Math.ceil(n / tiling.tileN);
  let splits = Math.ceil(TARGET_WORKGROUPS / tiles);
  splits = Math.min(splits, Math.ceil(k / MIN_K_PER_SPLIT), Math.floor(MAX_PARTIAL_BYTES / (4 * m * n)), 65535);
  return Math.max(1, splits);
}

/** chooseSplits × factor, within the same limits (each split ≥ one K step, partials ≤ 256 MB). */
export function scaledSplits(m: number, n: number, k: number, tiling: TileSizes, factor: number): number {
  const splits = Math.round(chooseSplits(m, n, k, tiling) * factor);
  return Math.max(1, Math.min(splits, Math.ceil(k / tiling.tileK), Math.floor(MAX_PARTIAL_BYTES / (4 * m * n)), 65535));
}

/**
 * The tiling for an M × N (9·Cin × Cout) filter gradient, from the H200 sweep over the reference
 * layers at batch 16 (`step-bench.cjs sweep`, 2026-11-26): 64×64 tiles with 256 threads and K
 * steps of 8 won every layer with ≥ 64 output channels (1.2–1.8× over 32×32), 64×32 the
 * 288 × 32 layer (1.2×), and the default 32×32 the narrow first layers (N = 16, and 144 × 32).
 */
export function chooseFilterGradTiling(m: number, n: number): FilterGradTiling {
  if (n >= 64) return FILTER_GRAD_TILINGS.F_64x64k8_4x4;
  if (n >= 32 && m >= 256) return FILTER_GRAD_TILINGS.C_64x32k16_4x4;
  return DEFAULT_FILTER_GRAD_TILING;
}

export function filterGradShape(
  x: tf.TensorInfo,
  attrs: Record<string, unknown>,
): { shape: FilterGradShape; filterShape: [number, number, number, number] } | null {
  const dataFormat = (attrs.dataFormat as string | undefined) ?? 'NHWC';
  if (dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') return null;
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
  return {
    filterShape,
    shape: {
      batch: info.batchSize, inH: info.inHeight, inW: info.inWidth, inC: info.inChannels,
      outH: info.outHeight, outW: info.outWidth, outC: info.outChannels,
      kH: info.filterHeight, kW: info.filterWidth, strideH: info.strideHeight, strideW: info.strideWidth,
      padTop: info.padInfo.top, padLeft: info.padInfo.left,
    },
  };
}

/**
 * A filter-gradient variant: a program, a tiling and a factor on chooseSplits' split-K count.
 * `sgmat`: SgmatFilterGradProgram with a FILTER_SGMAT_TILINGS tiling (f16 operands; only with
 * conv precision 'f16' on a device with matrix units).
 */
export interface FilterGradVariant { tiling: string; splitFactor: number; vec4?: boolean; sgmat?: boolean; direct?: boolean }

export const filterGradVariantName = (v: FilterGradVariant) =>
  v.direct ? `direct/splits×${v.splitFactor}` : `${v.vec4 ? 'vec4:' : v.sgmat ? 'sgmat:' : ''}${v.tiling}/splits×${v.splitFactor}`;

/** Whether a filter-gradient variant name rounds its operands to f16. */
export const isF16FilterGradVariant = (name: string): boolean => name.startsWith('sgmat:');

/** The matrix-unit program for a variant, or null where it does not apply (see sgmatProgram). */
function sgmatFilterGradProgram(backend: WebGpuBackendLike, shape: FilterGradShape, v: FilterGradVariant): SgmatFilterGradProgram | null {
  const unit = activeMatrixUnit();
  const tiling: SgmatTiling | undefined = FILTER_SGMAT_TILINGS[v.tiling];
  if (!unit || !tiling || shape.outC < 16) return null;
  const m = shape.kH * shape.kW * shape.inC;
  const splits = scaledSplits(m, shape.outC, shape.batch * shape.outH * shape.outW, tiling, v.splitFactor);
  let program: SgmatFilterGradProgram;
  try {
    program = new SgmatFilterGradProgram(shape, splits, tiling, unit);
  } catch {
    return null;
  }
  const limits = backend.device.limits;
  if (program.workgroupBytes > (limits.maxComputeWorkgroupStorageSize ?? 16384)) return null;
  if (program.workgroupSize[0] > (limits.maxComputeInvocationsPerWorkgroup ?? 256)) return null;
  return program;
}

/** The direct program for a shape (narrow layers), or null where it does not apply. */
function directFilterGradProgram(backend: WebGpuBackendLike, shape: FilterGradShape, v: FilterGradVariant): FilterGradDirectProgram | null {
  const plan = planDirectFilterGrad(shape, backend.device.limits.maxComputeWorkgroupStorageSize ?? 16384);
  if (!plan || plan.threadsPerGroup * plan.groups > (backend.device.limits.maxComputeInvocationsPerWorkgroup ?? 256)) return null;
  return new FilterGradDirectProgram(shape, plan, v.splitFactor);
}

/**
 * The variants kernel tuning times: every tiling at det's split count, det's tiling for the shape
 * with half and twice the splits (the H200 sweep over tilings × split counts picked the rule in
 * chooseFilterGradTiling / TARGET_WORKGROUPS; tuning re-measures it on the device at hand),
 * FilterGradVec4Program with every tiling it fits, and for narrow layers FilterGradDirectProgram
 * with two workgroup counts (the last two not yet timed on a GPU). tfjs's own kernel is not a
 * candidate: it was 40–1000× slower on every reference layer.
 */
export function filterGradVariants(m: number, n: number): FilterGradVariant[] {
  const rule = tilingNameOf(chooseFilterGradTiling(m, n));
  return [
    ...Object.keys(FILTER_GRAD_TILINGS).map((tiling) => ({ tiling, splitFactor: 1 })),
    { tiling: rule, splitFactor: 0.5 },
    { tiling: rule, splitFactor: 2 },
    ...Object.entries(FILTER_GRAD_TILINGS).filter(([, t]) => vec4FilterGradFits(t)).map(([tiling]) => ({ tiling, splitFactor: 1, vec4: true })),
    ...Object.keys(FILTER_SGMAT_TILINGS).map((tiling) => ({ tiling, splitFactor: 1, sgmat: true })),
    ...(directFilterGradFits(m, n) ? [1, 4].map((splitFactor) => ({ tiling: 'direct', splitFactor, direct: true })) : []),
  ];
}

/** With matrix units active: the matrix-unit variant for an N-channel gradient, if it applies. */
function defaultSgmatFilterGradVariant(backend: WebGpuBackendLike, shape: FilterGradShape): FilterGradVariant | null {
  const v: FilterGradVariant = { tiling: shape.outC >= 64 ? 'P_64x64k32_4x2' : 'R_64x32k32_4x2', splitFactor: 1, sgmat: true };
  return sgmatFilterGradProgram(backend, shape, v) ? v : null;
}

/** Up to this many input channels the direct program is the default (first layers: 3 → 16 at 320²). */
export const DIRECT_MAX_IN_CHANNELS = 4;
/** Stride-1 filter gradients over at most this many output pixels (batch × H × W) run the vec4 program. */
export const VEC4_MAX_STRIDE1_PIXELS = 16384;

/**
 * det's rule without matrix units, from kernel tuning of the reference layers at batch 16 on an
 * H100 (bench/gpu, 2026-11-26; these choices pinned made the step's filter gradients 1.1 ms
 * faster, the first layer's direct program 0.6 ms of it): the direct program for layers of ≤ 4
 * input channels (the GEMMs split 1.6 M pixels of K into thousands of partial sums for a 27 × 16
 * result: 3.1 ms against 0.33); FilterGradVec4Program with 64×64 tiles for strided layers and for
 * stride-1 layers over small maps (the head's 20×20 level: 1.4–1.6× faster), while on the
 * backbone's stride-1 layers at 40² and more it was 3× slower than chooseFilterGradTiling's
 * plain program, which stays the default there.
 */
export function defaultFilterGradVariant(backend: WebGpuBackendLike, shape: FilterGradShape): FilterGradVariant {
  const direct: FilterGradVariant = { tiling: 'direct', splitFactor: 4, direct: true };
  if (shape.inC <= DIRECT_MAX_IN_CHANNELS && directFilterGradProgram(backend, shape, direct)) return direct;
  const strided = shape.strideH > 1 || shape.strideW > 1;
  if (strided || shape.batch * shape.outH * shape.outW <= VEC4_MAX_STRIDE1_PIXELS) return { tiling: 'F_64x64k8_4x4', splitFactor: 1, vec4: true };
  return { tiling: tilingNameOf(chooseFilterGradTiling(shape.kH * shape.kW * shape.inC, shape.outC)), splitFactor: 1 };
}

const FILTER_TILING_NAMES = new Map(Object.entries(FILTER_GRAD_TILINGS).map(([name, t]) => [t, name]));
const tilingNameOf = (t: FilterGradTiling) => FILTER_TILING_NAMES.get(t)!;

/** The tuning key: the shape with its pixel count bucketed to powers of √2 (see inputGradTuningKey). */
export function filterGradTuningKey(s: FilterGradShape): string {
  const pixels = Math.round(2 * Math.log2(s.batch * s.outH * s.outW));
  return `${s.inC}→${s.outC} k${s.kH}x${s.kW} s${s.strideH}x${s.strideW} p${s.padTop},${s.padLeft} px≈2^${pixels / 2}`;
}

function f32FilterGradProgram(shape: FilterGradShape, v: FilterGradVariant): FilterGradVec4Program | FilterGradPartialProgram {
  const tiling = FILTER_GRAD_TILINGS[v.tiling];
  const m = shape.kH * shape.kW * shape.inC;
  const splits = scaledSplits(m, shape.outC, shape.batch * shape.outH * shape.outW, tiling, v.splitFactor);
  return v.vec4 ? new FilterGradVec4Program(shape, splits, tiling) : new FilterGradPartialProgram(shape, splits, tiling);
}

/** dW by det's split-K GEMM (partial sums + one sum pass) with the variant's tiling and split count. */
function runFilterGrad(
  backend: WebGpuBackendLike, shape: FilterGradShape, filterShape: number[], v: FilterGradVariant, x: tf.TensorInfo, dy: tf.TensorInfo,
  /** max |dY| bits, when the caller computed it for this dY (backend/conv-gradient.ts) */
  amax?: tf.TensorInfo,
): tf.TensorInfo {
  const program = v.sgmat ? sgmatFilterGradProgram(backend, shape, v) : v.direct ? directFilterGradProgram(backend, shape, v) : f32FilterGradProgram(shape, v);
  if (!program) throw new Error(`filter-gradient variant ${filterGradVariantName(v)} does not apply here`);
  const splits = program.outputShape[0];
  // the matrix-unit program scales dY into f16's range by its max (given, or one small reduction dispatch)
  const bmax = v.sgmat && !amax ? maxAbsBits(backend, dy) : undefined;
  let partial: tf.TensorInfo;
  try {
    partial = backend.runWebGPUProgram(program, v.sgmat ? [x, dy, amax ?? bmax!] : [x, dy], 'float32');
  } finally {
    if (bmax) backend.disposeData(bmax.dataId);
  }
  // one split (a short K: small feature maps, e.g. the upper FPN levels) is the sum already: the
  // [1, M, N] partials are dW's values in dW's layout, returned as dW without a copy pass
  if (splits === 1) return { dataId: partial.dataId, shape: [...filterShape], dtype: 'float32' };
  try {
    return backend.runWebGPUProgram(new SumSplitsProgram(filterShape as [number, number, number, number], splits), [partial], 'float32');
  } finally {
    backend.disposeData(partial.dataId);
  }
}

export function splitKFilterGrad(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x, dy, amax } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo; amax?: tf.TensorInfo };
    const attrs = args.attrs ?? {};
    // an empty dy or x (a conv whose output is empty, an empty batch) gives dW = 0; no program would write it
    if (tf.util.sizeFromShape(dy.shape) === 0 || tf.util.sizeFromShape(x.shape) === 0) return zerosInfo(args.backend as WebGpuBackendLike, attrs.filterShape as number[]);
    const parsed = x.dtype === 'float32' && dy.dtype === 'float32' ? filterGradShape(x, attrs) : null;
    if (!parsed) return original({ ...args, inputs: { x, dy } }); // NCHW or non-float: tfjs's kernel handles it
    const backend = args.backend as WebGpuBackendLike;
    const { shape, filterShape } = parsed;
    const m = shape.kH * shape.kW * shape.inC;
    const rule: FilterGradVariant = (activeMatrixUnit() && defaultSgmatFilterGradVariant(backend, shape)) || defaultFilterGradVariant(backend, shape);
    if (!kernelTuningActive()) return runFilterGrad(backend, shape, filterShape, rule, x, dy, amax);
    const variants = filterGradVariants(m, shape.outC)
      .filter((v) => (!v.sgmat || sgmatFilterGradProgram(backend, shape, v)) && (!v.direct || directFilterGradProgram(backend, shape, v)));
    const fallback = filterGradVariantName(rule);
    const name = tunedChoice('Conv2DBackpropFilter', filterGradTuningKey(shape), fallback, (): TuningRequest => ({
      inputs: [x.shape, dy.shape],
      candidates: variants.map((v) => ({
        name: filterGradVariantName(v), run: ([xi, dyi]) => runFilterGrad(backend, shape, filterShape, v, xi, dyi), ...(v.sgmat ? { f16: true } : {}),
      })),
    }));
    return runFilterGrad(backend, shape, filterShape, variants.find((v) => filterGradVariantName(v) === name) ?? rule, x, dy, amax);
  };
}

export function registerSplitKFilterGrad(): void {
  overrideWebGpuKernel('Conv2DBackpropFilter', splitKFilterGrad);
}
