import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from './testing/describe-if-gpu';
import { setupWebGpu } from './setup';
import { installLeanDispatch } from './lean-dispatch';

// The lean dispatch path (uniform arena + cached bind groups) against tfjs's own path on the same
// adapter: same shaders, so results must be bit-identical; plus the two things it exists for
// (no bind groups created once a computation repeats, one uniform write per submit) and the
// arena filling up inside one submit.

/** Ranks 0–6 (every uniform layout tfjs makes), broadcasting, reductions, conv and its
 *  gradients, det's BatchNorm kernels: one forward/backward worth of programs. */
function mixedWork(): tf.Tensor[] {
  return tf.tidy(() => {
    const x = tf.div(tf.reshape(tf.range(0, 2 * 6 * 6 * 8, 1, 'float32'), [2, 6, 6, 8]), 100) as tf.Tensor4D;
    const w = tf.sub(tf.div(tf.reshape(tf.range(0, 3 * 3 * 8 * 16, 1, 'float32'), [3, 3, 8, 16]), 1000), 0.5) as tf.Tensor4D;
    const { value, grads } = tf.valueAndGrads((xi: tf.Tensor, wi: tf.Tensor) => {
      const y = tf.relu(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, 'same'));
      const m = tf.moments(y, [0, 1, 2]);
      return tf.sum(tf.square(tf.div(tf.sub(y, m.mean), tf.sqrt(tf.add(m.variance, 1e-5))))) as tf.Scalar;
    })([x, w]);
    const six = tf.reshape(tf.range(0, 720, 1, 'float32'), [2, 3, 4, 5, 3, 2]);
    const five = tf.reshape(tf.range(0, 120, 1, 'float32'), [2, 3, 4, 5, 1]);
    const out = [
      value, ...grads,
      tf.transpose(six, [5, 4, 3, 2, 1, 0]), tf.add(five, tf.reshape(tf.range(0, 5, 1, 'float32'), [5, 1])),
      tf.slice(six, [1, 0, 1, 0, 0, 1], [1, 3, 2, 5, 3, 1]), tf.max(tf.reshape(six, [6, 120]), 1),
      tf.cast(tf.greater(tf.range(0, 3000, 1, 'int32'), tf.scalar(1500, 'int32')), 'int32'),
    ];
    return out;
  });
}

async function read(ts: tf.Tensor[]): Promise<number[][]> {
  const values = await Promise.all(ts.map((t) => t.data()));
  tf.dispose(ts);
  return values.map((v) => Array.from(v));
}

describeIfGpu(gpuSuite('webgpu lean dispatch path'), () => {
  beforeAll(async () => {
    await setupWebGpu();
    await tf.setBackend('webgpu');
  });

  it('gives bit-identical results to tfjs-backend-webgpu\'s own dispatch path', async () => {
    const lean = await read(mixedWork());
    const uninstall = installLeanDispatch(tf.backend()); // already installed: returns its uninstall
    uninstall();
    const stock = await read(mixedWork());
    installLeanDispatch(tf.backend());
    const leanAgain = await read(mixedWork());
    expect(lean).toEqual(stock);
    expect(leanAgain).toEqual(stock);
    expect(stock[0][0]).toBeGreaterThan(0);
  });

  it('creates no bind groups once a computation repeats, and writes uniforms once per submit', async () => {
    const backend = tf.backend() as unknown as {
      device: { createBindGroup: (...a: unknown[]) => unknown };
      queue: { writeBuffer: (...a: unknown[]) => unknown; submit: (...a: unknown[]) => unknown };
    };
    const counts = { bindGroups: 0, writes: 0, submits: 0 };
    const { device, queue } = backend;
    const [createBindGroup, writeBuffer, submit] = [device.createBindGroup, queue.writeBuffer, queue.submit];
    device.createBindGroup = function (...a: unknown[]) { counts.bindGroups++; return createBindGroup.apply(this, a); };
    queue.writeBuffer = function (...a: unknown[]) { counts.writes++; return writeBuffer.apply(this, a); };
    queue.submit = function (...a: unknown[]) { counts.submits++; return submit.apply(this, a); };
    try {
      await read(mixedWork()); // warm: pipelines, pooled buffers
      await read(mixedWork());
      const first = { ...counts };
      await read(mixedWork());
      const bindGroups = counts.bindGroups - first.bindGroups;
      const writes = counts.writes - first.writes;
      const submits = counts.submits - first.submits;
      expect(bindGroups).toBe(0);
      // uniform writes ≤ one per submit; the few other writes are host uploads of scalars
      expect(writes).toBeLessThanOrEqual(submits + 12);
      expect(submits).toBeGreaterThan(0);
    } finally {
      device.createBindGroup = createBindGroup;
      queue.writeBuffer = writeBuffer;
      queue.submit = submit;
      delete (device as Record<string, unknown>).createBindGroup;
      delete (queue as Record<string, unknown>).writeBuffer;
      delete (queue as Record<string, unknown>).submit;
    }
  });

  it('stays correct when one submit holds more uniforms than the arena (it submits early)', async () => {
    const batch = tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE');
    tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 1e6);
    try {
      // 2500 dependent adds at 256 bytes of arena each: ~2.5 arenas in what would be one submit
      const sum = tf.tidy(() => {
        let acc = tf.zeros([4096], 'int32');
        const one = tf.ones([4096], 'int32');
        for (let i = 0; i < 2500; i++) acc = tf.add(acc, one);
        return acc;
      });
      const v = await sum.data();
      sum.dispose();
      expect([v[0], v[4095]]).toEqual([2500, 2500]);
    } finally {
      tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', batch);
    }
  });
});
