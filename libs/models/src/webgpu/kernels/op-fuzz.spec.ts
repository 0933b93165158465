import '@tensorflow/tfjs-backend-cpu';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { selectBackend } from '../../backend/select-backend';
import * as tf from '@tensorflow/tfjs-core';
import { opFuzzCases, opFuzzMismatches, type OpFuzzCase } from '../../testing/op-fuzz-cases';
import { seededValues } from '../testing/compare';

// 100 seeded random op cases (testing/op-fuzz-cases.ts; CI runs 200 on native and wasm) on webgpu against cpu, forward and
// gradient, within 1e-4.
describeIfGpu(gpuSuite('ops of seeded random shapes on webgpu vs cpu'), () => {
  it('100 cases agree within 1e-4', async () => {
    const backend = await selectBackend('webgpu');
    expect(await opFuzzMismatches(backend, opFuzzCases(100), 1e-4)).toEqual([]);
  }, 300_000);

  // Windows with equal maxima (values on a coarse grid, as after a ReLU): the gradient goes to the
  // first, as on cpu — tfjs-backend-webgpu's own MaxPoolGrad picked another one.
  it('max pooling over tied values: forward and gradient', async () => {
    const backend = await selectBackend('webgpu');
    const pools: [number[], number, number][] = [[[1, 9, 4, 8], 2, 1], [[1, 5, 4, 1], 2, 1], [[2, 8, 3, 3], 3, 2], [[1, 7, 7, 2], 2, 3]];
    const cases: OpFuzzCase[] = pools.map(([shape, k, stride], i) => ({
      desc: `maxPool ${shape} k${k} s${stride} same`,
      inputs: [{ shape, values: seededValues(shape.reduce((a, b) => a * b, 1), 30 + i).map((v) => Math.round(v * 3)) }],
      f: (x) => tf.maxPool(x as tf.Tensor4D, k, stride, 'same'),
      grad: true,
    }));
    expect(await opFuzzMismatches(backend, cases, 1e-5)).toEqual([]);
  });
});
