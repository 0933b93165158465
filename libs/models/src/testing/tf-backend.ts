// Spec helper: selects a tfjs backend quietly (the cpu backend otherwise prints a tfjs-node hint).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';

export async function useBackend(name: 'cpu' | 'wasm' = 'cpu'): Promise<void> {
  tf.env().set('IS_TEST', true);
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend '${name}' failed to initialise`);
  await tf.ready();
}
