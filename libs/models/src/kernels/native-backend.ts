import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from './native-addon';
import type { CpuKernelFunc, FallbackLookup } from './cpu-tensors';
import { nativeConvKernels } from './native-conv-kernels';
import { nativeMatMulKernel } from './native-matmul-kernel';
import { nativePoolKernels } from './native-pool-kernels';
import { nativeElementwiseKernels } from './native-elementwise-kernels';
import { nativeReduceKernels } from './native-reduce-kernels';
import { nativeGatherKernel } from './native-gather-kernel';
import { nativeSliceKernels } from './native-slice-kernels';
import { installBatchNormGradient, nativeBatchNormKernels } from './native-batchnorm';
import { installNativeGradients, nativeGradientKernels } from './native-gradients';
import { attachBufferPool } from './buffer-pool';
import { ensureGradients } from '../backend/gradients';
import { registerCpuResizeNearestGrad } from './resize-nearest-grad';
import { registerCpuResizeBilinearGrad } from './resize-bilinear-grad';

/** tfjs backend name of the native kernel path: the cpu backend's data layout with native kernels. */
export const NATIVE_BACKEND = 'native';

/** Names of the kernels the native path replaces (the rest are the stock cpu kernels). */
export let nativeKernelNames: string[] = [];

/**
 * Registers the `native` tfjs backend: a MathBackendCPU instance (tensors are plain typed arrays)
 * carrying every stock cpu kernel, with the hot ones replaced by addon calls. The stock `cpu`
 * backend stays untouched, so it remains the reference the native kernels are tested against.
 * Idempotent. Registers tfjs's gradients first: the fused gradients wrap the stock ones.
 */
export function registerNativeBackend(addon: NativeAddon): void {
  ensureGradients();
  registerCpuResizeNearestGrad(); // before the cpu kernels are copied: tfjs's mixes up images when batch > 1
  registerCpuResizeBilinearGrad(); // tfjs's swaps height and width and ignores halfPixelCenters
  if (tf.findBackendFactory(NATIVE_BACKEND) == null) {
    tf.registerBackend(NATIVE_BACKEND, () => {
      const backend = new MathBackendCPU();
      // MathBackendCPU prints a "use tfjs-node" hint on first use; it does not apply here.
      (backend as unknown as { firstUse: boolean }).firstUse = false;
      attachBufferPool(backend as unknown as Parameters<typeof attachBufferPool>[0]);
      return backend;
    });
    const stock = new Map<string, CpuKernelFunc>();
    for (const config of tf.getKernelsForBackend('cpu')) {
      stock.set(config.kernelName, config.kernelFunc as unknown as CpuKernelFunc);
      tf.registerKernel({ ...config, backendName: NATIVE_BACKEND });
    }
    const fallback: FallbackLookup = (name) => {
      const fn = stock.get(name);
      if (!fn) throw new Error(`native backend: no stock cpu kernel '${name}' to fall back to`);
      return fn;
    };
    const replacements = [
      ...nativeConvKernels(addon, fallback),
      nativeMatMulKernel(addon, fallback),
      ...nativePoolKernels(addon, fallback),
      ...nativeElementwiseKernels(addon, fallback),
      ...nativeReduceKernels(addon, fallback),
      nativeGatherKernel(addon, fallback),
      ...nativeSliceKernels(addon, fallback),
      ...nativeBatchNormKernels(addon, fallback),
      ...nativeGradientKernels(addon),
    ];
    for (const config of replacements) {
      if (tf.getKernel(config.kernelName, NATIVE_BACKEND)) tf.unregisterKernel(config.kernelName, NATIVE_BACKEND);
      tf.registerKernel({ ...config, backendName: NATIVE_BACKEND });
    }
    nativeKernelNames = replacements.map((c) => c.kernelName);
  }
  installBatchNormGradient();
  installNativeGradients(NATIVE_BACKEND);
}
