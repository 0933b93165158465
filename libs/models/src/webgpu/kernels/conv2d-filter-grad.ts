import * as tf from '@tensorflow/tfjs-core';
import { overrideWebGpuKernel, type KernelFunc } from './kernel-override';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { DEFAULT_FILTER_GRAD_TILING, FILTER_GRAD_TILINGS, FilterGradPartialProgram, SumSplitsProgram, type FilterGradShape, type FilterGradTiling } from './conv2d-filter-grad-program';

// Aim for enough workgroups to fill a large GPU (an H100/H200 has 132 SMs), but keep each split's
// K range long enough that the extra partial-sum pass stays cheap. 4096, not 1024: on the H200
// 4× the splits made every reference layer's filter gradient 15–25% faster at batch 16 while
// the split sum stayed ≤ 0.1 ms (`step-bench.cjs sweep`, 2026-11-26).
const TARGET_WORKGROUPS = 4096;
const MIN_K_PER_SPLIT = 256;
const MAX_PARTIAL_BYTES = 256 * 1024 * 1024;

/** How many ways to split K for this shape (1 = no second pass). */
export function chooseSplits(m: number, n: number, k: number, tiling: FilterGradTiling = DEFAULT_FILTER_GRAD_TILING): number {
  const tiles = Math.ceil(m / tiling.tileM) * Math.ceil(n / tiling.tileN);
  let splits = Math.ceil(TARGET_WORKGROUPS / tiles);
  splits = Math.min(splits, Math.ceil(k / MIN_K_PER_SPLIT), Math.floor(MAX_PARTIAL_BYTES / (4 * m * n)), 65535);
  return Math.max(1, splits);
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

export function splitKFilterGrad(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs ?? {};
    const parsed = x.dtype === 'float32' && dy.dtype === 'float32' ? filterGradShape(x, attrs) : null;
    if (!parsed) return original(args); // NCHW or non-float: tfjs's kernel handles it
    const backend = args.backend as WebGpuBackendLike;
    const { shape, filterShape } = parsed;
    const m = shape.kH * shape.kW * shape.inC;
    const k = shape.batch * shape.outH * shape.outW;
    const tiling = chooseFilterGradTiling(m, shape.outC);
    const splits = chooseSplits(m, shape.outC, k, tiling);
    const partial = backend.runWebGPUProgram(new FilterGradPartialProgram(shape, splits, tiling), [x, dy], 'float32');
    const sum = backend.runWebGPUProgram(new SumSplitsProgram(filterShape, splits), [partial], 'float32');
    backend.disposeData(partial.dataId);
    return sum;
  };
}

export function registerSplitKFilterGrad(): void {
  overrideWebGpuKernel('Conv2DBackpropFilter', splitKFilterGrad);
}
