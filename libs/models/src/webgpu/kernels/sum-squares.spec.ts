import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { programsRun, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { SUM_SQUARES_KERNEL } from './sum-squares';

// det's fused Σ x² over several tensors on webgpu against a float64 sum on the host: 1e-6
// relative (float32 partial sums of ≤ ~10⁶ positive terms).
const TOL = 1e-6;

describeIfGpu(gpuSuite("det's sum-of-squares kernel on webgpu"), () => {
  beforeAll(async () => {
    await setupWebGpu();
    await tf.setBackend('webgpu');
  });

  it.each([
    { name: 'one tensor', shapes: [[3, 3, 4, 5]] },
    { name: 'seven tensors of mixed sizes and ranks, a scalar among them', shapes: [[64], [], [3, 3, 16, 32], [7], [2, 300], [1], [9, 9]] },
    { name: 'more than one workgroup of partial sums', shapes: [[3, 3, 256, 256], [256]] },
  ])('$name', async ({ shapes }) => {
    const values = shapes.map((s, k) => seededValues(s.reduce((a, b) => a * b, 1), 10 + k));
    const inputs = Object.fromEntries(values.map((v, k) => [`x${k}`, tf.tensor(v, shapes[k])]));
    let out!: tf.Tensor;
    const programs = programsRun(() => { out = tf.engine().runKernel(SUM_SQUARES_KERNEL, inputs) as tf.Tensor; });
    expect(programs.length).toBeLessThanOrEqual(2);
    expect(out.shape).toEqual([]);
    let expected = 0;
    for (const v of values) for (const x of v) expected += x * x;
    expect(Math.abs((await out.data())[0] - expected) / expected).toBeLessThan(TOL);
    tf.dispose([out, ...Object.values(inputs)]);
  });

  it('takes at most 7 tensors (with its output, 8 storage buffers)', () => {
    const inputs = Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`x${k}`, tf.ones([2])]));
    expect(() => tf.engine().runKernel(SUM_SQUARES_KERNEL, inputs)).toThrow(/1 to 7 float32 inputs/);
    tf.dispose(Object.values(inputs));
  });
});
