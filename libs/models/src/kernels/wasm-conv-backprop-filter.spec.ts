import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { ensureGradients } from '../backend/gradients';
import { registerWasmGradientKernels } from './wasm-conv-backprop-filter';
import { expectSameAsCpu, randomData } from './__fixtures__/compare';

const t = (shape: number[], seed: number) => tf.tensor(randomData(shape.reduce((a, b) => a * b, 1), seed), shape);

describe('Conv2DBackpropFilter on wasm (conv of input and output gradient) matches the cpu backend', () => {
  beforeAll(() => {
    tf.env().set('IS_TEST', true);
    ensureGradients();
    registerWasmGradientKernels();
  });
  afterAll(() => tf.setBackend('cpu'));

  const cases: { x: number[]; f: number[]; stride: number; pad: 'same' | 'valid' | number }[] = [
    { x: [2, 8, 8, 3], f: [3, 3, 3, 5], stride: 1, pad: 'same' },
    { x: [2, 9, 8, 4], f: [3, 3, 4, 6], stride: 2, pad: 'same' },
    { x: [1, 7, 9, 2], f: [3, 3, 2, 4], stride: 1, pad: 'valid' },
    { x: [2, 8, 7, 3], f: [3, 3, 3, 5], stride: 2, pad: 'valid' },   // last row/column never read: cropped
    { x: [1, 10, 10, 4], f: [1, 1, 4, 7], stride: 2, pad: 'valid' },
  ];
  for (const c of cases) {
    it(`x ${c.x}, filter ${c.f}, stride ${c.stride}, pad ${c.pad}`, async () => {
      await expectSameAsCpu('wasm', () => {
        const x = t(c.x, 1), f = t(c.f, 2);
        const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad)));
        return tf.grads(loss)([x, f]);
      });
    });
  }

  it('leaves no tensors behind', async () => {
    await tf.setBackend('wasm');
    const x = t([1, 6, 6, 2], 3), f = t([3, 3, 2, 2], 4);
    const before = tf.memory().numTensors;
    const g = tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')))(f);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, f]);
  });
});
