import * as tf from '@tensorflow/tfjs-core';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { maxAbsBits } from './max-abs-bits-program';
import type { WebGpuBackendLike } from './webgpu-backend-like';

const bitsOf = (v: number) => new Int32Array(new Float32Array([v]).buffer)[0];

describeIfGpu(gpuSuite('maxAbsBits (max |x| as f32 bits, one dispatch)'), () => {
  beforeAll(async () => { await setupWebGpu(); });

  // sizes: a vec4 multiple, an odd size, and one past what one pass of 1024 workgroups covers
  it.each([4096, 1001, 1024 * 256 * 8 + 12])('matches the host max over %s values (the largest is negative)', async (n) => {
    const values = seededValues(n, 11).map((v) => v * 1e-6);
    values[n - 3] = -3.5e-6; // the largest magnitude, negative, near the end
    const x = tf.tensor1d(values);
    const backend = tf.backend() as unknown as WebGpuBackendLike;
    const out = tf.engine().makeTensorFromTensorInfo(maxAbsBits(backend, x));
    expect(Array.from(await out.data())).toEqual([bitsOf(3.5e-6)]);
    tf.dispose([x, out]);
  });

  it('is 0 for an all-zero tensor (the f16 kernels then scale by 1)', async () => {
    const x = tf.zeros([64]);
    const out = tf.engine().makeTensorFromTensorInfo(maxAbsBits(tf.backend() as unknown as WebGpuBackendLike, x));
    expect(Array.from(await out.data())).toEqual([0]);
    tf.dispose([x, out]);
  });
});
