import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureGradients } from './gradients';

describe('ensureGradients', () => {
  it('registers the stock gradients and keeps a gradient registered before it', async () => {
    tf.env().set('IS_TEST', true);
    await tf.setBackend('cpu');
    const custom: tf.GradConfig = { kernelName: tf.Abs, inputsToSave: ['x'], gradFunc: (dy) => ({ x: () => tf.mul(dy as tf.Tensor, 7) }) };
    expect(tf.getGradient(tf.Conv2D)).toBeUndefined();  // this spec file starts with none
    tf.registerGradient(custom);
    ensureGradients();
    expect(tf.getGradient(tf.Abs)).toBe(custom);
    expect(tf.getGradient(tf.Conv2D)).toBeDefined();
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.abs(x)))(tf.tensor([-1, 2]));
    expect(Array.from(g.dataSync())).toEqual([7, 7]);
    const h = tf.grad((x: tf.Tensor) => tf.sum(tf.relu(x)))(tf.tensor([-1, 2]));
    expect(Array.from(h.dataSync())).toEqual([0, 1]);
  });
});
