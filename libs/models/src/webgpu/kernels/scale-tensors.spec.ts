import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { programsRun, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { SCALE_TENSORS_KERNEL } from './scale-tensors';

// det's fused x·scale of up to 4 tensors (clipGradNorm's clipping) against tf.mul on cpu: the
// same float32 product, so equal bit for bit; every output keeps its input's shape.
describeIfGpu(gpuSuite("det's DetScaleTensors on webgpu vs cpu"), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  it.each([
    [[[3, 3, 16, 32], [32], [1], [7, 5]]], // the largest not first, sizes 4608, 32, 1, 35
    [[[5000]]], // one tensor: no extra outputs
  ])('scales %j in one dispatch, as tf.mul does', async (shapes) => {
    const scale = 0.123456789;
    const values = shapes.map((s, k) => seededValues(s.reduce((a, b) => a * b, 1), k + 1));
    await tf.setBackend('cpu');
    const cpu = await Promise.all(values.map((v, k) => tf.mul(tf.tensor(v, shapes[k]), scale).data()));
    await tf.setBackend('webgpu');
    const xs = values.map((v, k) => tf.tensor(v, shapes[k]));
    let outs: tf.Tensor[] = [];
    const programs = programsRun(() => {
      outs = tf.engine().runKernel(SCALE_TENSORS_KERNEL, Object.fromEntries(xs.map((x, k) => [`x${k}`, x])), { scale }) as tf.Tensor[];
    });
    expect(programs).toEqual(['ScaleTensorsProgram']);
    expect(outs.map((o) => o.shape)).toEqual(shapes);
    const gpu = await Promise.all(outs.map((o) => o.data()));
    gpu.forEach((g, k) => expect(Array.from(g)).toEqual(Array.from(cpu[k])));
    tf.dispose([...xs, ...outs]);
  });
});
