import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { programsRun, relativeMaxError } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { sigmoidFocalLoss } from '../../losses/focal-loss';

// On webgpu `tf.cast` of int32 / bool to float32 keeps the i32 buffer; det's kernels convert such
// inputs first (float-data-inputs.ts). Without it these losses read 0 (the shader does not
// compile and its dispatch is dropped). Against the cpu backend at 1e-5 relative.
async function onBoth(f: () => tf.Tensor): Promise<[Float32Array, Float32Array]> {
  const out: Float32Array[] = [];
  for (const backend of ['cpu', 'webgpu']) {
    await tf.setBackend(backend);
    const t = f();
    out.push((await t.data()) as Float32Array);
    t.dispose();
  }
  return [out[0], out[1]];
}

describeIfGpu(gpuSuite("det's kernels with float32 inputs cast from int32 / bool (an i32 buffer on webgpu)"), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  it('the focal loss from int32 one-hot targets', async () => {
    const [cpu, gpu] = await onBoth(() => tf.tidy(() => sigmoidFocalLoss(
      tf.tensor2d([[0.5, -1, 3], [2, 0.1, -4]]), tf.tensor2d([[1, 0, 0], [0, 1, 1]], [2, 3], 'int32'), {})));
    expect(cpu[0]).toBeGreaterThan(0.1);
    expect(relativeMaxError(gpu, cpu)).toBeLessThan(1e-5);
  });

  it('the focal loss from labels with row weights cast from bool', async () => {
    const [cpu, gpu] = await onBoth(() => tf.tidy(() => {
      const labels = tf.tensor1d([0, 2, 1, 3], 'int32');
      const weight = tf.cast(tf.greater(tf.tensor1d([1, 0, 2, 3]), 0.5), 'float32');
      return sigmoidFocalLoss(tf.tensor2d([[0.5, -1, 3], [2, 0.1, -4], [1, 1, 1], [-2, 0, 2]]), labels, { weight, reduction: 'sum' });
    }));
    expect(cpu[0]).toBeGreaterThan(0.1);
    expect(relativeMaxError(gpu, cpu)).toBeLessThan(1e-5);
  });

  it("the kernels det overrides: Sum / Mean over leading axes, a first-layer Conv2D, AddN past 7 inputs", async () => {
    const mask = Array.from({ length: 64 * 8 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const pixels = Array.from({ length: 2 * 8 * 8 * 4 }, (_, i) => i % 5);
    const w = Array.from({ length: 3 * 3 * 4 * 8 }, (_, i) => ((i * 37) % 11) / 10 - 0.5);
    const cases: [string, () => tf.Tensor][] = [
      ['sum', () => tf.sum(tf.cast(tf.tensor2d(mask, [64, 8], 'int32'), 'float32'), 0)],
      ['mean', () => tf.mean(tf.cast(tf.tensor2d(mask, [64, 8], 'int32'), 'float32'), 0)],
      ['conv2d', () => tf.conv2d(tf.cast(tf.tensor4d(pixels, [2, 8, 8, 4], 'int32'), 'float32') as tf.Tensor4D, tf.tensor4d(w, [3, 3, 4, 8]), 1, 'same')],
      ['addN', () => tf.addN(Array.from({ length: 9 }, (_, k) => tf.cast(tf.tensor1d([1, 2, k], 'int32'), 'float32')))],
    ];
    for (const [name, f] of cases) {
      const [cpu, gpu] = await onBoth(() => tf.tidy(f));
      if (!(relativeMaxError(gpu, cpu) < 1e-5)) throw new Error(`${name}: webgpu ${Array.from(gpu.slice(0, 4))} vs cpu ${Array.from(cpu.slice(0, 4))}`);
    }
  });

  it('converts only such inputs (a float tensor gets no extra program)', async () => {
    await tf.setBackend('webgpu');
    const [pred, floats, ints] = [tf.tensor2d([[0.5, -1]]), tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 0]], [1, 2], 'int32')];
    const plain = programsRun(() => tf.dispose(sigmoidFocalLoss(pred, floats, {})));
    const cast = programsRun(() => tf.dispose(sigmoidFocalLoss(pred, ints, {})));
    expect(plain.filter((n) => n === 'ToFloatProgram')).toEqual([]);
    expect(cast.filter((n) => n === 'ToFloatProgram')).toEqual(['ToFloatProgram']);
    tf.dispose([pred, floats, ints]);
  });
});
