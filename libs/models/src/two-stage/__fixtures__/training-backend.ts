// Specs that train run on the default training backend (`auto`: the native kernel path when its
// addon is built, as `det train` would pick), falling back to the stock cpu backend.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../backend';

export async function useTrainingBackend(): Promise<string> {
  tf.env().set('IS_TEST', true);
  if (process.env.DET_NATIVE === '0') {
    await tf.setBackend('cpu');
    return 'cpu';
  }
  return selectBackend('native').catch(async () => {
    await tf.setBackend('cpu');
    return 'cpu';
  });
}
