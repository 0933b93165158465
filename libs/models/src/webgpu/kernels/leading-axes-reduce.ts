import * as tf from '@tensorflow/tfjs-core';
import { overrideWebGpuKernel, type KernelFunc } from './kernel-override';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { ColumnSumProgram } from './leading-axes-reduce-program';
import { SumSplitsProgram } from './conv2d-filter-grad-program';
import { zerosInfo } from './zeros';
import { emptyReduceResult } from '../../kernels/empty-results';

const TARGET_WORKGROUPS = 1024;
const MIN_ROWS_PER_SPLIT = 64;

export function chooseRowSplits(rows: number, cols: number): number {
  const colGroups = Math.ceil(cols / 64);
  return Math.max(1, Math.min(Math.ceil(TARGET_WORKGROUPS / colGroups), Math.ceil(rows / MIN_ROWS_PER_SPLIT), 65535));
}

/** [rows, cols] when `axis` is a leading run 0..k-1 that leaves inner dims, else null. */
export function leadingAxesView(shape: number[], axis: number | number[] | undefined): { rows: number; cols: number; axes: number[] } | null {
  if (shape.length < 2 || axis == null) return null;
  const axes = [...tf.util.parseAxisParam(axis, shape)].sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= shape.length || axes.some((a, i) => a !== i)) return null;
  const rows = shape.slice(0, axes.length).reduce((a, b) => a * b, 1);
  const cols = shape.slice(axes.length).reduce((a, b) => a * b, 1);
  return { rows, cols, axes };
}

/**
 * Sum / Mean of an empty tensor: zeros, as on the cpu backend (tfjs-backend-webgpu's own kernels
 * fail there: "no overload matched for createBuffer"). Reached by losses over zero positives.
 */
function emptyReduce(kind: 'sum' | 'mean', x: tf.TensorInfo, attrs: { axis?: number | number[]; keepDims?: boolean }, backend: WebGpuBackendLike): tf.TensorInfo {
  const { shape, dtype } = emptyReduceResult(kind, x, attrs);
  return zerosInfo(backend, shape, dtype);
}

function leadingAxesReduce(kind: 'sum' | 'mean'): (original: KernelFunc) => KernelFunc {
  return (original) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const attrs = (args.attrs ?? {}) as { axis?: number | number[]; keepDims?: boolean };
    if (tf.util.sizeFromShape(x.shape) === 0) return emptyReduce(kind, x, attrs, args.backend as WebGpuBackendLike);
    const view = x.dtype === 'float32' ? leadingAxesView(x.shape, attrs.axis) : null;
    const backend = args.backend as WebGpuBackendLike;
    const maxGroups = backend.device.limits.maxComputeWorkgroupsPerDimension ?? 65535;
    // The column groups run along x unfolded: too many columns → tfjs's kernel.
    if (!view || view.rows === 0 || view.cols === 0 || Math.ceil(view.cols / 64) > maxGroups) return original(args);
    const outShape = attrs.keepDims ? x.shape.map((d, i) => (i < view.axes.length ? 1 : d)) : x.shape.slice(view.axes.length);
    const scale = kind === 'mean' ? 1 / view.rows : 1;
    const splits = chooseRowSplits(view.rows, view.cols);
    if (splits === 1) {
      return backend.runWebGPUProgram(new ColumnSumProgram(view.rows, view.cols, 1, outShape, scale), [x], 'float32');
    }
    const partial = backend.runWebGPUProgram(new ColumnSumProgram(view.rows, view.cols, splits, [splits, view.cols]), [x], 'float32');
    const out = backend.runWebGPUProgram(new SumSplitsProgram(outShape, splits, scale), [partial], 'float32');
    backend.disposeData(partial.dataId);
    return out;
  };
}

export function registerLeadingAxesReduce(): void {
  overrideWebGpuKernel('Sum', leadingAxesReduce('sum'));
  overrideWebGpuKernel('Mean', leadingAxesReduce('mean'));
}
