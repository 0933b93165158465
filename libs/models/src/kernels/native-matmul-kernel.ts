import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon';
import { allocateF32 } from './buffer-pool';
import { type CpuKernelFunc, type FallbackLookup, f32, sizeOf } from './cpu-tensors';

/**
 * BatchMatMul with transposes. tfjs's matMul op hands over its inputs as they are (rank 2 for a
 * plain matrix product, as Linear layers use), so any rank ≥ 2 is taken: leading dims are the
 * batch, and one side may have a batch of 1 (broadcast). Other broadcasts go to the stock kernel.
 */
export function nativeMatMulKernel(addon: NativeAddon, fallback: FallbackLookup): tf.KernelConfig {
  const batchMatMul: CpuKernelFunc = (args) => {
    const { inputs: { a, b }, backend, attrs = {} } = args;
    const av = f32(backend, a), bv = f32(backend, b);
    if (!av || !bv || a.shape.length < 2 || b.shape.length < 2) return fallback(tf.BatchMatMul)(args);
    const ta = Boolean(attrs.transposeA), tb = Boolean(attrs.transposeB);
    const [ra, ca] = a.shape.slice(-2), [rb, cb] = b.shape.slice(-2);
    const leadA = a.shape.slice(0, -2), leadB = b.shape.slice(0, -2);
    const batchA = sizeOf(leadA), batchB = sizeOf(leadB);
    const m = ta ? ca : ra, k = ta ? ra : ca, kb = tb ? cb : rb, n = tb ? rb : cb;
    const sameLead = leadA.length === leadB.length && leadA.every((d, i) => d === leadB[i]);
    if (k !== kb || !(sameLead || batchA === 1 || batchB === 1)) return fallback(tf.BatchMatMul)(args);
    const batch = Math.max(batchA, batchB);
    // Output batch dims as tfjs's kernel gives them: the longer (broadcast) leading shape.
    const lead = leadA.length >= leadB.length ? (batchA >= batchB ? leadA : leadB) : batchB >= batchA ? leadB : leadA;
    if (sizeOf(lead) !== batch) return fallback(tf.BatchMatMul)(args);
    const out = allocateF32(backend, batch * m * n);
    for (let i = 0; i < batch; ++i) {
      const ai = batchA === 1 ? av : av.subarray(i * ra * ca, (i + 1) * ra * ca);
      const bi = batchB === 1 ? bv : bv.subarray(i * rb * cb, (i + 1) * rb * cb);
      const ci = out.subarray(i * m * n, (i + 1) * m * n);
      addon.gemm(ta, tb, m, n, k, ai, ca, bi, cb, 0, ci, n);
    }
    return backend.makeTensorInfo([...lead, m, n], 'float32', out);
  };
  return { kernelName: tf.BatchMatMul, backendName: '', kernelFunc: batchMatMul as unknown as tf.KernelFunc };
}
