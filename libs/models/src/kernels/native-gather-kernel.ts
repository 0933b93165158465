import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon';
import { allocateF32 } from './buffer-pool';
import { type CpuKernelFunc, type FallbackLookup, f32, sizeOf } from './cpu-tensors';

/**
 * GatherV2 (batchDims 0) of float32 data with int32 indices: one contiguous row copy per gathered
 * index instead of tfjs-cpu's per-element index arithmetic. Other dtypes, batchDims > 0, empty
 * tensors and out-of-range indices go to the stock kernel (which reports the bad index).
 */
export function nativeGatherKernel(addon: NativeAddon, fallback: FallbackLookup): tf.KernelConfig {
  const kernelFunc: CpuKernelFunc = (args) => {
    const { inputs: { x, indices }, backend, attrs = {} } = args;
    const xv = f32(backend, x);
    const iv = indices?.dtype === 'int32' ? backend.data.get(indices.dataId).values : undefined;
    if (!xv || !(iv instanceof Int32Array) || Number(attrs.batchDims ?? 0) !== 0) return fallback(tf.GatherV2)(args);
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
    const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const size = sizeOf(outShape);
    if (size === 0 || xv.length === 0) return fallback(tf.GatherV2)(args);
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const out = allocateF32(backend, size);
    if (!addon.gatherAxis(outer, x.shape[axis], inner, xv, iv, out)) return fallback(tf.GatherV2)(args);
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
  return { kernelName: tf.GatherV2, backendName: '', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
