import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { setupWebGpu } from '../setup';
import { restoreWebGpuKernel } from './kernel-override';
import { chainedAddN, registerChainedAddN } from './add-n';

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

describe('AddN grouping (no device needed)', () => {
  it('sums in groups of limit-1 inputs and frees every partial sum', () => {
    const groups: number[] = [];
    const disposed: object[] = [];
    let next = 0;
    const fakeOriginal = ((args: { inputs: unknown[] }) => {
      groups.push(args.inputs.length);
      return { dataId: { id: next++ }, shape: [1], dtype: 'float32' };
    }) as unknown as Parameters<typeof chainedAddN>[0];
    const backend = { device: { limits: { maxStorageBuffersPerShaderStage: 8 } }, disposeData: (id: object) => disposed.push(id) };
    const inputs = Array.from({ length: 20 }, (_, i) => ({ dataId: { input: i }, shape: [1], dtype: 'float32' }));
    const out = chainedAddN(fakeOriginal)({ inputs: inputs as never, backend }) as { dataId: { id: number } };
    expect(groups).toEqual([7, 7, 6, 3]); // 20 → 3 partial sums → 1
    expect(disposed).toHaveLength(3);
    expect(out.dataId.id).toBe(3);
    expect(disposed).not.toContainEqual(expect.objectContaining({ input: expect.anything() }));
  });
});
