import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon';
import { allocateF32 } from './buffer-pool';
import { type CpuKernelFunc, type FallbackLookup, f32 } from './cpu-tensors';

/** BatchMatMul (rank-3 inputs, as tfjs's matMul op passes them) with transposes and batch broadcast of 1. */
export function nativeMatMulKernel(addon: NativeAddon, fallback: FallbackLookup): tf.KernelConfig {
  const batchMatMul: CpuKernelFunc = (args) => {
    const { inputs: { a, b }, backend, attrs = {} } = args;
    const av = f32(backend, a), bv = f32(backend, b);
    const ta = Boolean(attrs.transposeA), tb = Boolean(attrs.transposeB);
    if (!av || !bv || a.shape.length !== 3 || b.shape.length !== 3) return fallback(tf.BatchMatMul)(args);
    const [batchA, ra, ca] = a.shape, [batchB, rb, cb] = b.shape;
    const m = ta ? ca : ra, k = ta ? ra : ca, kb = tb ? cb : rb, n = tb ? rb : cb;
    const batch = Math.max(batchA, batchB);
    if (k !== kb || (batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) {
      return fallback(tf.BatchMatMul)(args);
    }
    const out = allocateF32(backend, batch * m * n);
    for (let i = 0; i < batch; ++i) {
      const ai = batchA === 1 ? av : av.subarray(i * ra * ca, (i + 1) * ra * ca);
      const bi = batchB === 1 ? bv : bv.subarray(i * rb * cb, (i + 1) * rb * cb);
      const ci = out.subarray(i * m * n, (i + 1) * m * n);
      addon.gemm(ta, tb, m, n, k, ai, ca, bi, cb, 0, ci, n);
    }
    return backend.makeTensorInfo([batch, m, n], 'float32', out);
  };
  return { kernelName: tf.BatchMatMul, backendName: '', kernelFunc: batchMatMul as unknown as tf.KernelFunc };
}
