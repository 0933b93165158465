import * as tf from '@tensorflow/tfjs-core';
import { withFloatDataInputs } from './float-data-inputs';

/** The kernel function tfjs-backend-webgpu registered before det replaced it (the fallback). */
export type KernelFunc = (args: {
  inputs: Record<string, tf.TensorInfo> | tf.TensorInfo[];
  backend: unknown;
  attrs?: Record<string, unknown>;
}) => tf.TensorInfo | tf.TensorInfo[];

const originals = new Map<string, KernelFunc>();

/**
 * Replaces the webgpu kernel `kernelName` with `make(original)`, whose float inputs that are cast
 * views of int32 / bool data are converted first (`withFloatDataInputs`). Idempotent: the
 * original is captured once, so calling it again rebuilds from tfjs's kernel rather than
 * wrapping det's own. (registerKernel alone would warn about a duplicate, hence unregister first.)
 */
export function overrideWebGpuKernel(kernelName: string, make: (original: KernelFunc) => KernelFunc): void {
  let original = originals.get(kernelName);
  if (!original) {
    const registered = tf.getKernel(kernelName, 'webgpu');
    if (!registered) throw new Error(`tfjs-backend-webgpu has no ${kernelName} kernel to override`);
    original = registered.kernelFunc as unknown as KernelFunc;
    originals.set(kernelName, original);
  }
  if (tf.getKernel(kernelName, 'webgpu')) tf.unregisterKernel(kernelName, 'webgpu');
  tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: withFloatDataInputs(make(original)) as unknown as tf.KernelFunc });
}

/** Puts tfjs's own kernel back (used by tests to compare against the stock implementation). */
export function restoreWebGpuKernel(kernelName: string): void {
  const original = originals.get(kernelName);
  if (!original) return;
  tf.unregisterKernel(kernelName, 'webgpu');
  tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: original as unknown as tf.KernelFunc });
}

/** tfjs-backend-webgpu's own kernel `kernelName` (the one det replaced, else the registered one). */
export function originalWebGpuKernel(kernelName: string): KernelFunc | undefined {
  return originals.get(kernelName) ?? (tf.getKernel(kernelName, 'webgpu')?.kernelFunc as unknown as KernelFunc | undefined);
}

/** Names of the kernels det has replaced so far. */
export function overriddenWebGpuKernels(): string[] {
  return [...originals.keys()].filter((name) => tf.getKernel(name, 'webgpu')?.kernelFunc !== (originals.get(name) as unknown));
}
