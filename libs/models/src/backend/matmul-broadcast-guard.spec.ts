import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';
import { selectBackend } from './select-backend';
import { guardMatMulBroadcast, matMulBatchesSupported } from './matmul-broadcast-guard';

// tfjs's BatchMatMul pairs flattened batches: [2,3,4] × [2,1,5,4] (out [2,2,3,5]) came back wrong
// on cpu (checked here against the explicitly broadcast product, which is right); det refuses it
// with an error saying what to do, and leaves the cases tfjs computes right alone.
describe('matMul batch broadcasting', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('knows which batch broadcasts tfjs computes right', () => {
    expect(matMulBatchesSupported([3], [])).toBe(true);
    expect(matMulBatchesSupported([3], [1])).toBe(true);
    expect(matMulBatchesSupported([2, 3], [1, 1])).toBe(true);
    expect(matMulBatchesSupported([1, 2, 3], [2, 3])).toBe(true);
    expect(matMulBatchesSupported([2], [2, 1])).toBe(false);
    expect(matMulBatchesSupported([2, 3], [1, 3])).toBe(false);
    expect(matMulBatchesSupported([2, 1], [1, 2])).toBe(false);
  });

  it('refuses [2,3,4] × [2,1,5,4] with a DetError naming the shapes', () => {
    const a = tf.ones([2, 3, 4]);
    const b = tf.ones([2, 1, 5, 4]);
    expect(() => tf.matMul(a, b, false, true)).toThrow(DetError);
    expect(() => tf.matMul(a, b, false, true)).toThrow(/\[2,3,4\] and \[2,1,5,4\].*broadcastTo/);
    tf.dispose([a, b]);
  });

  it('computes the supported broadcasts as the explicitly broadcast product', () => {
    const a = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 1);
    const b = tf.randomNormal([4, 5], 0, 1, 'float32', 2);
    const got = tf.matMul(a, b);
    const want = tf.matMul(a, tf.broadcastTo(b, [2, 3, 4, 5]));
    expect(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([a, b, got, want]);
  });

  it('leaves tfjs-node\'s kernel alone (TensorFlow\'s BatchMatMulV2 broadcasts batches itself)', () => {
    const kernelFunc = (() => ({})) as unknown as tf.KernelFunc;
    tf.registerKernel({ kernelName: tf.BatchMatMul, backendName: 'tensorflow', kernelFunc });
    guardMatMulBroadcast('tensorflow');
    expect(tf.getKernel(tf.BatchMatMul, 'tensorflow')?.kernelFunc).toBe(kernelFunc);
    tf.unregisterKernel(tf.BatchMatMul, 'tensorflow');
  });
});
