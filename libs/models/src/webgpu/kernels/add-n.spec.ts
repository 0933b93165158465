import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { setupWebGpu } from '../setup';
import { restoreWebGpuKernel } from './kernel-override';
import { registerChainedAddN } from './add-n';

async function addNOfFilled(n: number): Promise<number[]> {
  const xs = Array.from({ length: n }, (_, i) => tf.fill([2, 300], i + 1));
  const sum = tf.addN(xs);
  const values = Array.from(await sum.data());
  tf.dispose([...xs, sum]);
  return [values[0], values[values.length - 1]];
}

describeIfGpu(gpuSuite('webgpu AddN with many inputs'), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  it.each([1, 2, 7, 8, 9, 20, 50])('sums %i inputs exactly', async (n) => {
    const expected = (n * (n + 1)) / 2; // small integers: exact in float32
    expect(await addNOfFilled(n)).toEqual([expected, expected]);
  });

  it('keeps the tensor count flat (partial sums are freed)', async () => {
    const before = tf.memory().numTensors;
    await addNOfFilled(20);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("tfjs's stock kernel really is wrong past the storage-buffer limit (why the override exists)", async () => {
    restoreWebGpuKernel('AddN');
    try {
      // Warm up with a small addN so a stale buffer of the same size gets reused, as in training.
      await addNOfFilled(3);
      const [first] = await addNOfFilled(20);
      expect(first).not.toBe(210);
    } finally {
      registerChainedAddN();
    }
  });
});
