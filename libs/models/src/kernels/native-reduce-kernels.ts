import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon';
import { allocateF32 } from './buffer-pool';
import { type CpuKernelFunc, type FallbackLookup, f32, sizeOf } from './cpu-tensors';

/**
 * Sum and Mean over any axes, accumulated in double: leading axes (per-channel statistics:
 * BatchNorm, bias gradients) and trailing axes take dedicated loops, other sets (GroupNorm's
 * [1, 2, 4]) a strided one. The stock kernel would transpose first.
 */
export function nativeReduceKernels(addon: NativeAddon, fallback: FallbackLookup): tf.KernelConfig[] {
  const make = (name: string, mean: boolean): tf.KernelConfig => {
    const kernelFunc: CpuKernelFunc = (args) => {
      const { inputs: { x }, backend, attrs = {} } = args;
      const xv = f32(backend, x);
      const rank = x.shape.length;
      const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((p, q) => p - q);
      if (!xv || xv.length === 0 || axes.length === 0 || axes.some((a, i) => i > 0 && a === axes[i - 1])) {
        return fallback(name)(args);
      }
      const leading = axes.every((a, i) => a === i);
      const trailing = axes.every((a, i) => a === rank - axes.length + i);
      if (!leading && !trailing && rank > 8) return fallback(name)(args);
      const reduced = sizeOf(axes.map((a) => x.shape[a]));
      const kept = xv.length / reduced;
      const out = allocateF32(backend, kept);
      const scale = mean ? 1 / reduced : 1;
      if (leading) addon.reduceRows(reduced, kept, xv, scale, out);
      else if (trailing) addon.reduceCols(kept, reduced, xv, scale, out);
      else addon.reduceAxes(x.shape, x.shape.map((_, i) => (axes.includes(i) ? 1 : 0)), xv, scale, out);
      const outShape = attrs.keepDims
        ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
        : x.shape.filter((_, i) => !axes.includes(i));
      return backend.makeTensorInfo(outShape, 'float32', out);
    };
    return { kernelName: name, backendName: '', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
  };
  return [make(tf.Sum, false), make(tf.Mean, true)];
}
