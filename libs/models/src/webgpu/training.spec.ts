import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from './testing/describe-if-gpu';
import { buildReferenceStep, type ReferenceConfig } from './testing/reference-network';
import { setupWebGpu } from './setup';

// The reference detector step at 1/8 width on 32×32 inputs: small enough for the cpu backend in
// a test (bench/gpu/train-check runs 50 iterations of the same comparison).
const CFG: ReferenceConfig = { batch: 2, size: 32, numClasses: 4, widthDivisor: 8, lr: 0.01, seed: 3 };
const ITERATIONS = 5;
// Same math in another summation order: after 5 SGD steps through 8 BatchNorms the float32
// difference stays ~1e-5 relative; 1e-3 still catches a wrong kernel (O(1) differences).
const LOSS_RTOL = 1e-3;

async function lossCurve(backend: string): Promise<number[]> {
  await tf.setBackend(backend);
  const model = buildReferenceStep(CFG);
  const losses: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) losses.push(await model.step());
  model.dispose();
  return losses;
}

describeIfGpu(gpuSuite('training the reference detector on webgpu'), () => {
  it(`matches the cpu backend's losses over ${ITERATIONS} SGD steps, and the loss falls`, async () => {
    await setupWebGpu();
    const before = tf.memory().numTensors;
    const gpu = await lossCurve('webgpu');
    expect(tf.memory().numTensors).toBe(before);
    const cpu = await lossCurve('cpu');
    for (let i = 0; i < ITERATIONS; i++) {
      expect(Math.abs(gpu[i] - cpu[i]) / Math.abs(cpu[i])).toBeLessThan(LOSS_RTOL);
    }
    expect(gpu[ITERATIONS - 1]).toBeLessThan(gpu[0]);
  });
});
