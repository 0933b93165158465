import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureGradients } from '../backend/gradients';
import { loadNativeAddon } from './native-addon';
import { NATIVE_BACKEND, registerNativeBackend } from './native-backend';
import { randomData } from './__fixtures__/compare';

const describeNative = process.env.DET_NATIVE === '0' ? describe.skip : describe;

describeNative('training with native kernels does not leak tensors', () => {
  it('numTensors after iteration 10 equals numTensors after iteration 500', async () => {
    tf.env().set('IS_TEST', true);
    ensureGradients();
    const load = loadNativeAddon();
    if (!load.addon) throw new Error(`native addon missing: ${load.reason}`);
    registerNativeBackend(load.addon);
    await tf.setBackend(NATIVE_BACKEND);

    const x = tf.tensor(randomData(2 * 8 * 8 * 3, 1), [2, 8, 8, 3]);
    const target = tf.tensor(randomData(2 * 4 * 4 * 2, 2), [2, 4, 4, 2]);
    const w1 = tf.variable(tf.mul(tf.tensor(randomData(3 * 3 * 3 * 4, 3), [3, 3, 3, 4]), 0.3));
    const gamma = tf.variable(tf.ones([4])), beta = tf.variable(tf.zeros([4]));
    const w2 = tf.variable(tf.mul(tf.tensor(randomData(3 * 3 * 4 * 2, 4), [3, 3, 4, 2]), 0.3));
    const b2 = tf.variable(tf.zeros([2]));
    const optimizer = tf.train.momentum(0.01, 0.9);
    const loss = () => {
      const y = tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same');
      const { mean, variance } = tf.moments(y, [0, 1, 2]);
      const h = tf.relu(tf.batchNorm(y, mean, variance, beta, gamma, 1e-5));
      const out = tf.fused.conv2d({ x: h, filter: w2 as tf.Tensor4D, bias: b2, strides: 2, pad: 'same' });
      return tf.mean(tf.square(tf.sub(out, target))) as tf.Scalar;
    };

    let after10 = -1, first = NaN, last = NaN;
    for (let i = 1; i <= 500; ++i) {
      const value = optimizer.minimize(loss, true)!;
      last = value.dataSync()[0];
      if (i === 1) first = last;
      value.dispose();
      if (i === 10) after10 = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(after10);
    expect(last).toBeLessThan(first);  // it did train
    optimizer.dispose();
    tf.dispose([x, target, w1, gamma, beta, w2, b2]);
    await tf.setBackend('cpu');
  });
});
