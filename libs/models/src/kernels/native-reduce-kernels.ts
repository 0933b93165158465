import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon';
import { allocateF32 } from './buffer-pool';
import { type CpuKernelFunc, type FallbackLookup, f32, sizeOf } from './cpu-tensors';

/**
 * Sum and Mean over leading axes (per-channel statistics: BatchNorm, bias gradients) or trailing
 * axes, accumulated in double; other axis sets go to the stock kernel (which transposes first).
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
      if (!leading && !trailing) return fallback(name)(args);
      const reduced = sizeOf(axes.map((a) => x.shape[a]));
      const kept = xv.length / reduced;
      const out = allocateF32(backend, kept);
      const scale = mean ? 1 / reduced : 1;
      if (leading) addon.reduceRows(reduced, kept, xv, scale, out);
      else addon.reduceCols(kept, reduced, xv, scale, out);
      const outShape = attrs.keepDims
        ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
        : x.shape.filter((_, i) => !axes.includes(i));
      return backend.makeTensorInfo(outShape, 'float32', out);
    };
    return { kernelName: name, backendName: '', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
  };
  return [make(tf.Sum, false), make(tf.Mean, true)];
}
