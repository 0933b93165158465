import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon } from './native-addon';
import { NATIVE_BACKEND, registerNativeBackend } from './native-backend';
import { convBiasRelu, foldBatchNorm } from './fold-batchnorm';
import { ensureGradients } from '../backend/gradients';
import { randomData, relativeError } from './__fixtures__/compare';

const t = (shape: number[], seed: number, scale = 1, shift = 0) =>
  tf.add(tf.mul(tf.tensor(randomData(shape.reduce((a, b) => a * b, 1), seed), shape), scale), shift);

describe('foldBatchNorm / convBiasRelu', () => {
  beforeAll(() => {
    tf.env().set('IS_TEST', true);
    ensureGradients();
    const load = loadNativeAddon();
    if (load.addon) registerNativeBackend(load.addon);
  });
  afterAll(() => tf.setBackend('cpu'));

  const backends = () => ['cpu', ...(tf.findBackendFactory(NATIVE_BACKEND) ? [NATIVE_BACKEND] : [])];

  it('folded conv + bias + relu equals relu(batchNorm(conv + bias)) in inference mode', async () => {
    for (const backend of backends()) {
      await tf.setBackend(backend);
      tf.tidy(() => {
        const x = t([2, 7, 7, 3], 1) as tf.Tensor4D, w = t([3, 3, 3, 6], 2) as tf.Tensor4D, b = t([6], 3) as tf.Tensor1D;
        const gamma = t([6], 4, 1, 1.2) as tf.Tensor1D, beta = t([6], 5) as tf.Tensor1D;
        const mean = t([6], 6) as tf.Tensor1D, variance = t([6], 7, 0.4, 0.6) as tf.Tensor1D;
        for (const [bias, stride] of [[b, 1], [null, 2]] as const) {
          const conv = tf.conv2d(x, w, stride, 'same');
          const unfused = tf.relu(tf.batchNorm(bias ? tf.add(conv, bias) : conv, mean, variance, beta, gamma, 1e-3));
          const folded = foldBatchNorm(w, bias, gamma, beta, mean, variance, 1e-3);
          const fused = convBiasRelu(x, folded.weight, folded.bias, stride, 'same');
          const err = relativeError(fused.dataSync() as Float32Array, unfused.dataSync() as Float32Array);
          if (!(err <= 1e-5)) throw new Error(`${backend}, stride ${stride}: relative error ${err}`);
        }
      });
    }
  });

  it('names the mismatched argument', () => {
    tf.tidy(() => {
      expect(() => foldBatchNorm(tf.zeros([3, 3, 2, 4]) as tf.Tensor4D, null, tf.ones([4]), tf.zeros([4]), tf.zeros([5]), tf.ones([4])))
        .toThrow(/bnMean has 5 entries, expected 4/);
    });
  });
});
