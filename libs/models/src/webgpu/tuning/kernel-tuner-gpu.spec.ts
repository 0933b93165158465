import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { setupWebGpu } from '../setup';
import { ElementwiseProgram } from '../kernels/elementwise-program';
import type { WebGpuBackendLike } from '../kernels/webgpu-backend-like';
import { resetKernelTuning, setKernelTuning, tunedChoice, tunePendingKernels, type TuningRequest } from './kernel-tuner';

// On a real device a candidate can fail without a JS exception: an invalid shader is a WebGPU
// validation error, and its dispatch then does nothing — it would time as the fastest. The
// tuner's checked first run must reject it, and one that computes something else.
describeIfGpu(gpuSuite('kernel tuning on webgpu: broken and wrong candidates are never chosen'), () => {
  beforeAll(async () => { await setupWebGpu(); });
  afterEach(() => { resetKernelTuning(); setKernelTuning(false); });

  it('rejects a candidate with a shader error and one with a different output', async () => {
    const backend = tf.backend() as unknown as WebGpuBackendLike;
    const program = (key: string, body: string) => new ElementwiseProgram([64], ['x'], `detTunerSpec_${key}`, body);
    const request: TuningRequest = {
      inputs: [[64]],
      candidates: [
        { name: 'double', run: ([x]) => backend.runWebGPUProgram(program('double', 'result[index] = 2.0 * x[index];'), [x], 'float32') },
        { name: 'broken', run: ([x]) => backend.runWebGPUProgram(program('broken', 'result[index] = notDeclared * x[index];'), [x], 'float32') },
        { name: 'triple', run: ([x]) => backend.runWebGPUProgram(program('triple', 'result[index] = 3.0 * x[index];'), [x], 'float32') },
      ],
    };
    setKernelTuning(true);
    tunedChoice('Spec', 'k', 'double', () => request);
    const before = tf.memory().numTensors;
    const [r] = await tunePendingKernels();
    expect(tf.memory().numTensors).toBe(before);
    expect(r.choice).toBe('double');
    expect(Object.keys(r.ms)).toEqual(['double']);
    expect(r.failed.broken).toMatch(/notDeclared/); // the WebGPU error names the undeclared identifier
    expect(r.failed.triple).toMatch(/differs from the default's/);
  });
});
