import type * as tf from '@tensorflow/tfjs-core';
import { overrideWebGpuKernel, type KernelFunc } from './kernel-override';
import type { WebGpuBackendLike } from './webgpu-backend-like';

/**
 * tfjs-backend-webgpu's AddN binds one storage buffer per input plus one for the output; past the
 * device's `maxStorageBuffersPerShaderStage` (8 by default) the pipeline is invalid and the result
 * is silently wrong. Gradient accumulation in tfjs calls addN with one input per use of a tensor,
 * so this is hit in ordinary training. Sum in groups that fit, then sum the partial sums.
 */
export function maxAddNInputs(backend: WebGpuBackendLike): number {
  const limit = backend.device.limits.maxStorageBuffersPerShaderStage ?? 8;
  return Math.max(2, Math.min(8, limit - 1));
}

export function chainedAddN(original: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as WebGpuBackendLike;
    const maxInputs = maxAddNInputs(backend);
    let level = args.inputs as tf.TensorInfo[];
    let ownsLevel = false; // inputs belong to the caller; partial sums are ours to free
    while (level.length > maxInputs) {
      const next: tf.TensorInfo[] = [];
      for (let i = 0; i < level.length; i += maxInputs) {
        const group = level.slice(i, i + maxInputs);
        next.push(original({ inputs: group, backend: args.backend, attrs: args.attrs }) as tf.TensorInfo);
      }
      if (ownsLevel) for (const t of level) backend.disposeData(t.dataId);
      level = next;
      ownsLevel = true;
    }
    const result = original({ inputs: level, backend: args.backend, attrs: args.attrs }) as tf.TensorInfo;
    if (ownsLevel) for (const t of level) backend.disposeData(t.dataId);
    return result;
  };
}

export function registerChainedAddN(): void {
  overrideWebGpuKernel('AddN', chainedAddN);
}
