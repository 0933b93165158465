import * as tf from '@tensorflow/tfjs-core';

/** Registers `kernelFunc` as `backendName`'s `kernelName` in place of what is there. Idempotent. */
export function replaceKernel(kernelName: string, backendName: string, kernelFunc: unknown): void {
  const config = tf.getKernel(kernelName, backendName);
  if (config?.kernelFunc === kernelFunc) return;
  if (config) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as tf.KernelFunc });
}
