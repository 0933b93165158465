import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { programsRun, relativeMaxError, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { roiAlign, type RoiAlignOptions } from '../../ops/roi-align';

// det's RoIAlign kernels on webgpu against the typed-array form on cpu (itself checked against
// torchvision's vectors in ops/roi-align.spec.ts): the output and the features' gradient of
// Σ out·probe. 1e-5 relative to the largest value: the same sums with fma.
const TOL = 1e-5;
const [n, h, w, c] = [2, 13, 17, 8];
// (batch, x1, y1, x2, y2): inside, partly outside, tiny, overlapping (shared pixels), the other image
const ROIS = Float32Array.from([0, 2, 3, 40, 30, 1, -8, 5, 30, 60, 0, 10, 10, 11, 11.5, 0, 4, 4, 36, 28, 1, 0, 0, 64, 48]);
const OPTIONS: RoiAlignOptions = { outputSize: [7, 7], spatialScale: 0.25, samplingRatio: 2, aligned: true };

async function run(backend: string): Promise<{ out: Float32Array; grad: Float32Array; programs: string[] }> {
  await tf.setBackend(backend);
  const feat = tf.tensor4d(seededValues(n * h * w * c, 1), [n, h, w, c]);
  const probe = tf.tensor4d(seededValues(5 * 7 * 7 * c, 2), [5, 7, 7, c]);
  let out: tf.Tensor | undefined;
  let grad: tf.Tensor | undefined;
  const compute = () => {
    out = roiAlign(feat, ROIS, OPTIONS);
    grad = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(roiAlign(f as tf.Tensor4D, ROIS, OPTIONS), probe)))(feat);
  };
  const programs = backend === 'webgpu' ? programsRun(compute) : (compute(), []);
  const result = { out: (await out!.data()) as Float32Array, grad: (await grad!.data()) as Float32Array, programs };
  tf.dispose([feat, probe, out!, grad!]);
  return result;
}

describeIfGpu(gpuSuite("det's RoIAlign kernels on webgpu vs cpu"), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  it('forward and feature gradient match cpu, one program each way, no scatterND', async () => {
    const cpu = await run('cpu');
    const gpu = await run('webgpu');
    expect({ out: relativeMaxError(gpu.out, cpu.out) < TOL, grad: relativeMaxError(gpu.grad, cpu.grad) < TOL }).toEqual({ out: true, grad: true });
    expect(gpu.programs.filter((p) => p.startsWith('RoiAlign'))).toEqual(['RoiAlignApplyProgram', 'RoiAlignApplyProgram', 'RoiAlignScatterProgram']);
    expect(gpu.programs).not.toContain('ScatterProgram');
  });

  it('the gradient repeats bit for bit (no float atomics)', async () => {
    const [a, b] = [await run('webgpu'), await run('webgpu')];
    expect(Array.from(a.grad)).toEqual(Array.from(b.grad));
  });
});
