import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { addRelu } from './add-relu';
import { describeIfGpu, gpuSuite } from '../webgpu/testing/describe-if-gpu';
import { setupWebGpu } from '../webgpu/setup';

// relu(a + b): one DetAddRelu program on webgpu, the two ops elsewhere; the value and both
// gradients must be the same numbers as tf.relu(tf.add) on cpu (NaN and −0 included).

const N = 3000; // past tfjs's CPU hand-off size
const A = Float32Array.from({ length: N }, (_, i) => [1.5, -2, 0, -0, NaN, 3e-38, -1][i % 7] * (1 + (i % 5)));
const B = Float32Array.from({ length: N }, (_, i) => [0.25, 2, -0, 0, 1, -3e-38, 0.5][i % 7]);
const DY = Float32Array.from({ length: N }, (_, i) => (i % 11) - 5);

async function run(fused: boolean): Promise<number[][]> {
  const ts = tf.tidy(() => {
    const [a, b, dy] = [tf.tensor1d(A), tf.tensor1d(B), tf.tensor1d(DY)];
    const f = (x: tf.Tensor, y: tf.Tensor) => (fused ? addRelu(x, y) : tf.relu(tf.add(x, y)));
    return [f(a, b), ...tf.grads((x: tf.Tensor, y: tf.Tensor) => f(x, y))([a, b], dy)];
  });
  const out = await Promise.all(ts.map(async (t) => Array.from(await t.data())));
  tf.dispose(ts);
  return out;
}

describe('addRelu (cpu: the ops)', () => {
  it('is relu(a + b) with its gradients', async () => {
    await tf.setBackend('cpu');
    expect(await run(true)).toEqual(await run(false));
  });
});

describeIfGpu(gpuSuite('DetAddRelu on webgpu'), () => {
  beforeAll(async () => { await setupWebGpu(); });

  it('gives the cpu numbers for the value and both gradients', async () => {
    await tf.setBackend('cpu');
    const ref = await run(false);
    await tf.setBackend('webgpu');
    const gpu = await run(true);
    expect(gpu.map((v) => v.map((x) => (Object.is(x, -0) ? 0 : x)))).toEqual(ref.map((v) => v.map((x) => (Object.is(x, -0) ? 0 : x))));
  });
});
