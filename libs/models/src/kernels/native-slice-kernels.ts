import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon';
import { allocateF32 } from './buffer-pool';
import { type CpuBackendLike, type CpuKernelFunc, type FallbackLookup, f32, sizeOf } from './cpu-tensors';

/** Addon binary op that copies its first operand: a strided copy through binaryBroadcast's odometer. */
const COPY_FIRST = 9;

/**
 * Values of x[begin : begin + size] (float32, rank ≤ 8, non-empty). A block that is contiguous in
 * memory is a view, exactly as the stock kernel returns it; any other block is one strided native
 * copy (tfjs-cpu walks it element by element through index arithmetic).
 */
function sliceValues(addon: NativeAddon, backend: CpuBackendLike, xv: Float32Array, shape: number[], begin: number[], size: number[]): Float32Array {
  const strides = [...tf.util.computeStrides(shape), 1].slice(-shape.length);
  const offset = begin.reduce((acc, b, d) => acc + b * strides[d], 0);
  const length = sizeOf(size);
  if (tf.slice_util.isSliceContinous(shape, begin, size)) return xv.subarray(offset, offset + length);
  const out = allocateF32(backend, length);
  addon.binaryBroadcast(COPY_FIRST, size, xv.subarray(offset), strides, xv, size.map(() => 0), out);
  return out;
}

/** The fast path applies to non-empty float32 tensors of rank 1..8; everything else stays stock. */
const nativeSliceable = (xv: Float32Array | undefined, shape: number[]): xv is Float32Array =>
  !!xv && xv.length > 0 && shape.length >= 1 && shape.length <= 8;

/**
 * Slice, SplitV (a slice per part) and Unpack (a slice per index, axis dropped) of float32 data.
 * Same parameter checks and the same views for contiguous blocks as tfjs-cpu.
 */
export function nativeSliceKernels(addon: NativeAddon, fallback: FallbackLookup): tf.KernelConfig[] {
  const slice: CpuKernelFunc = (args) => {
    const { inputs: { x }, backend, attrs = {} } = args;
    const xv = f32(backend, x);
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin as number[], attrs.size as number[]);
    if (!nativeSliceable(xv, x.shape) || sizeOf(size) === 0) return fallback(tf.Slice)(args);
    tf.slice_util.assertParamsValid(x as tf.Tensor, begin, size);
    return backend.makeTensorInfo(size, 'float32', sliceValues(addon, backend, xv, x.shape, begin, size));
  };
  const splitV: CpuKernelFunc = (args) => {
    const { inputs: { x }, backend, attrs = {} } = args;
    const xv = f32(backend, x);
    if (!nativeSliceable(xv, x.shape)) return fallback(tf.SplitV)(args);
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
    const parts = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits as number[] | number, axis);
    if (parts.some((p) => p === 0)) return fallback(tf.SplitV)(args);
    const begin = x.shape.map(() => 0);
    return parts.map((part) => {
      const size = x.shape.slice();
      size[axis] = part;
      const out = backend.makeTensorInfo(size, 'float32', sliceValues(addon, backend, xv, x.shape, begin, size));
      begin[axis] += part;
      return out;
    });
  };
  const unpack: CpuKernelFunc = (args) => {
    const { inputs: { value }, backend, attrs = {} } = args;
    const xv = f32(backend, value);
    if (!nativeSliceable(xv, value.shape)) return fallback(tf.Unpack)(args);
    const axis = tf.util.parseAxisParam(attrs.axis as number, value.shape)[0];
    const outShape = value.shape.filter((_, d) => d !== axis);
    const size = value.shape.slice();
    size[axis] = 1;
    const begin = value.shape.map(() => 0);
    return Array.from({ length: value.shape[axis] }, (_, i) => {
      begin[axis] = i;
      return backend.makeTensorInfo(outShape, 'float32', sliceValues(addon, backend, xv, value.shape, begin, size));
    });
  };
  return [
    { kernelName: tf.Slice, backendName: '', kernelFunc: slice as unknown as tf.KernelFunc },
    { kernelName: tf.SplitV, backendName: '', kernelFunc: splitV as unknown as tf.KernelFunc },
    { kernelName: tf.Unpack, backendName: '', kernelFunc: unpack as unknown as tf.KernelFunc },
  ];
}
