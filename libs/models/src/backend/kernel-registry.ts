import * as tf from '@tensorflow/tfjs-core';

/** True when the active backend registers every one of `kernelNames` (det's fused kernels are
 *  used by name where a backend has them, composed from tfjs ops elsewhere). */
export function activeBackendHas(...kernelNames: string[]): boolean {
  const backend = tf.getBackend();
  return backend != null && kernelNames.every((name) => tf.getKernel(name, backend) != null);
}

/** Registers `config` in place of whatever gradient its kernel has (tfjs warns on a second
 *  registration, hence the unregister). Idempotent. */
export function installGradient(config: tf.GradConfig): void {
  const current = tf.getGradient(config.kernelName);
  if (current === config) return;
  if (current) tf.unregisterGradient(config.kernelName);
  tf.registerGradient(config);
}
