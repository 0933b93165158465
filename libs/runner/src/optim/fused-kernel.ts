import * as tf from '@tensorflow/tfjs-core';

/**
 * Whether the active backend registers a fused kernel by this name (docs/contracts.md, "Fused
 * kernels by name"): the optimizers and clipGradNorm hand their work to it where it does.
 */
export function activeBackendHasKernel(name: string): boolean {
  const backend = tf.getBackend();
  return Boolean(backend && tf.getKernel(name, backend));
}
