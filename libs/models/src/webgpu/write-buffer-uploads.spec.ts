import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describeIfGpu, gpuSuite } from './testing/describe-if-gpu';
import { setupWebGpu } from './setup';

// Uploads through queue.writeBuffer (write-buffer-uploads.ts): values must arrive intact and in
// order even when pooled buffers are reused between ops recorded into the same command buffer,
// and a step full of scalar operands must create no staging buffers.

describeIfGpu(gpuSuite('webgpu uploads via queue.writeBuffer'), () => {
  beforeAll(async () => {
    await setupWebGpu();
    await tf.setBackend('webgpu');
  });

  it('float32, int32 and bool tensors arrive intact', async () => {
    const f = tf.tensor([1.5, -2.25, 3e-8, 1e30], [4]);
    const i = tf.tensor([1, -7, 2 ** 20, 0], [4], 'int32');
    const b = tf.tensor([true, false, true, true], [4], 'bool');
    const out = tf.tidy(() => [tf.mul(f, 2), tf.add(i, tf.scalar(1, 'int32')), tf.cast(tf.logicalNot(b), 'int32')]);
    expect(Array.from(await out[0].data())).toEqual([3, -4.5, 6e-8, 2e30].map(Math.fround));
    expect(Array.from(await out[1].data())).toEqual([2, -6, 2 ** 20 + 1, 1]);
    expect(Array.from(await out[2].data())).toEqual([0, 1, 0, 0]);
    tf.dispose([f, i, b, ...out]);
  });

  it('keeps the order of uploads and ops when buffers of one size are reused in one command buffer', async () => {
    // 40 rounds of upload → op → dispose, all recorded before anything is read: a pooled buffer
    // written too early would change an earlier round's result.
    const results = tf.tidy(() => {
      const outs: tf.Tensor[] = [];
      let acc = tf.zeros([1000]);
      for (let r = 0; r < 40; r++) {
        const t = tf.fill([1000], r); // GPU fill
        const u = tf.tensor(new Float32Array(1000).fill(r + 0.5)); // host upload of the same size
        acc = tf.add(acc, tf.mul(t, u));
        outs.push(tf.sum(tf.sub(u, t)));
      }
      return [acc, ...outs];
    });
    const acc = await results[0].data();
    const expected = Array.from({ length: 40 }, (_, r) => r * (r + 0.5)).reduce((a, b) => a + b, 0);
    expect(acc[0]).toBeCloseTo(expected, 2);
    expect(acc[999]).toBeCloseTo(expected, 2);
    for (const t of results.slice(1)) expect((await t.data())[0]).toBeCloseTo(500, 3);
    tf.dispose(results);
  });

  it('creates no buffers for scalar operands once the pool is warm', async () => {
    const x = tf.randomNormal([64, 64]);
    const step = () => tf.tidy(() => tf.sum(tf.add(tf.mul(tf.sub(tf.mul(x, 0.9), 0.1), 1.5), 2)));
    const warm = step();
    await warm.data();
    warm.dispose();
    const device = (tf.backend() as unknown as { device: { createBuffer: (...a: unknown[]) => unknown } }).device;
    const create = device.createBuffer.bind(device);
    let created = 0;
    device.createBuffer = (...a: unknown[]) => { created++; return create(...a); };
    try {
      const r = step();
      expect((await r.data())[0]).toBeCloseTo((await (tf.tidy(() => tf.sum(tf.add(tf.mul(tf.sub(tf.mul(x, 0.9), 0.1), 1.5), 2))).data()))[0], 3);
      r.dispose();
    } finally {
      device.createBuffer = create;
    }
    // tfjs's own path makes one staging buffer per scalar (4 here, and more for the read above)
    expect(created).toBeLessThanOrEqual(1); // the read-back staging buffer
    x.dispose();
  });
});
