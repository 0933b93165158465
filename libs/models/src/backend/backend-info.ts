import * as tf from '@tensorflow/tfjs-core';
import { loadNativeAddon } from '../kernels/native-addon';
import { NATIVE_BACKEND } from '../kernels/native-backend';

export interface BackendInfo {
  /** Active tfjs backend ('native', 'wasm', 'cpu', 'tensorflow', 'webgpu'), or undefined before selection. */
  name: string | undefined;
  /** tfjs-core version. */
  version: string;
  /** Threads the active backend computes with. */
  threads: number;
  /** Whether the active backend uses SIMD (AVX2/FMA natively, SIMD128 on wasm). */
  simd: boolean;
  /** Which kernels do the heavy lifting, e.g. 'native avx2-fma gemm, 2 threads'. */
  kernels: string;
  /** Whether the native addon is loadable, and why not when it is not. */
  native: { available: boolean; detail: string };
}

/** What `det env` prints about tensors. */
export async function backendInfo(): Promise<BackendInfo> {
  const name = tf.engine().backendName ?? undefined;
  const load = loadNativeAddon();
  const native = load.addon
    ? { available: true, detail: `${load.addon.info().gemm} gemm, ${load.addon.info().threads} threads (${load.file})` }
    : { available: false, detail: load.reason };
  const base = { name, version: tf.version_core, native };
  if (name === NATIVE_BACKEND && load.addon) {
    const { threads, gemm } = load.addon.info();
    return { ...base, threads, simd: gemm !== 'generic', kernels: `native ${gemm} gemm + stock cpu kernels` };
  }
  if (name === 'wasm') {
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const threadsOk = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    return { ...base, threads: threadsOk ? 2 : 1, simd, kernels: 'XNNPACK (wasm) + det Conv2DBackpropFilter' };
  }
  if (name === 'tensorflow' || name === 'webgpu') return { ...base, threads: 0, simd: true, kernels: name === 'tensorflow' ? 'libtensorflow' : 'WebGPU shaders' };
  return { ...base, threads: 1, simd: false, kernels: 'pure JavaScript' };
}
