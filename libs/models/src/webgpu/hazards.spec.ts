import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from './testing/describe-if-gpu';
import { setupWebGpu } from './setup';
import { setDeterministic } from '../backend/deterministic';
import { programsRun, seededValues } from './testing/compare';
import { smoothL1Loss } from '../losses/smooth-l1-loss';
import { sigmoidFocalLoss } from '../losses/focal-loss';
import { binaryCrossEntropyLoss } from '../losses/cross-entropy-loss';

// The hazards docs/webgpu.md lists, checked where det relies on the safe side of them.
describeIfGpu(gpuSuite('webgpu hazards det relies on'), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  it('with setDeterministic(true) a small-output matMul over a long K runs without split-K (float atomics)', async () => {
    await tf.setBackend('webgpu');
    // [1, 4096] × [4096, 200]: 200 outputs from K = 4096, the shape tfjs splits over K
    const a = tf.tensor(seededValues(4096, 1), [1, 4096]);
    const b = tf.tensor(seededValues(4096 * 200, 2), [4096, 200]);
    const programsWith = (on: boolean) => {
      setDeterministic(on);
      let out: tf.Tensor | undefined;
      const names = programsRun(() => { out = tf.matMul(a, b); });
      return { names, out: out! };
    };
    try {
      const loose = programsWith(false);
      expect(loose.names).toContain('MatMulSplitKProgram');
      const strict = programsWith(true);
      expect(strict.names).not.toContain('MatMulSplitKProgram');
      const [x, y] = await Promise.all([loose.out.data(), strict.out.data()]);
      let worst = 0;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(x[i])));
      expect(worst).toBeLessThan(1e-4); // the same product, another summation order
      tf.dispose([loose.out, strict.out]);
    } finally {
      setDeterministic(false);
      tf.dispose([a, b]);
    }
  });

  it('element-wise ops over more than 65535 workgroups (tfjs folds the dispatch) stay correct', async () => {
    const n = 65536 * 64 + 4099; // one past the 1-D workgroup limit at 64 threads per group
    const x = tf.range(0, n, 1, 'float32');
    const y = tf.sub(tf.mul(x, 2), x); // = x
    const v = await y.data();
    expect([v[0], v[65535 * 64], v[n - 1]]).toEqual([0, 65535 * 64, n - 1]);
    let mismatches = 0;
    for (let i = 0; i < n; i += 997) if (v[i] !== i) mismatches++;
    expect(mismatches).toBe(0);
    tf.dispose([x, y]);
  });

  // tfjs-backend-webgpu's Sum / Mean fail on an empty input ("no overload matched for
  // createBuffer"); losses over zero positives reach them. det's Sum / Mean give the cpu's zeros.
  it('sums, means and losses over empty inputs give what the cpu backend gives', async () => {
    const cases: [string, () => tf.Tensor][] = [
      ['sum over leading axes', () => tf.sum(tf.zeros([0, 5]), 0)],
      ['mean over all axes', () => tf.mean(tf.zeros([0, 4]))],
      ['int32 sum, keepDims', () => tf.sum(tf.zeros([2, 0, 3], 'int32'), [0, 1], true)],
      ['smooth L1 over 0 rows', () => smoothL1Loss(tf.zeros([0, 4]), tf.zeros([0, 4]), { reduction: 'sum' })],
      ['focal loss over 0 rows', () => sigmoidFocalLoss(tf.zeros([0, 3]), tf.zeros([0], 'int32'), { avgFactor: 1 })],
      ['BCE over 0 rows', () => binaryCrossEntropyLoss(tf.zeros([0, 1]), tf.zeros([0], 'int32'), { reduction: 'sum' })],
    ];
    type Scoped = { device: { pushErrorScope(f: string): void; popErrorScope(): Promise<{ message: string } | null> } };
    for (const [name, f] of cases) {
      const got: { shape: number[]; values: number[] }[] = [];
      let invalid: string | undefined;
      for (const backend of ['cpu', 'webgpu']) {
        await tf.setBackend(backend);
        // and no invalid work on the device (a 0-byte binding is one): it would spoil its whole submission
        const device = backend === 'webgpu' ? (tf.backend() as unknown as Scoped).device : undefined;
        device?.pushErrorScope('validation');
        const t = tf.tidy(f);
        got.push({ shape: t.shape, values: Array.from(await t.data()) });
        t.dispose();
        if (device) invalid = (await device.popErrorScope())?.message.split('\n')[0];
      }
      expect({ name, ...got[1], invalid }).toEqual({ name, ...got[0], invalid: undefined });
    }
  });

  // A conv whose output is empty (the input narrower than the filter, 'valid'): its gradients are
  // zeros. No program writes them; det's strided few-channel input gradient left a pooled
  // buffer's stale contents there (found by a conv fuzz against cpu, 2026-11-26).
  it('the gradients of a conv with an empty output are zeros', async () => {
    for (const [xShape, wShape, stride] of [[[3, 8, 3, 2], [5, 5, 2, 4], 3], [[1, 2, 6, 3], [3, 3, 3, 8], 1]] as const) {
      for (const backend of ['cpu', 'webgpu']) {
        await tf.setBackend(backend);
        // freed buffers of every small size, holding 7s: stale contents would show
        for (let n = 1; n <= 160; n++) tf.dispose(tf.fill([n], 7));
        const x = tf.tensor4d(seededValues(xShape.reduce((a, b) => a * b), 4), [...xShape]);
        const w = tf.tensor4d(seededValues(wShape.reduce((a, b) => a * b), 5), [...wShape]);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'valid')))([x, w]);
        const zeros = (t: tf.Tensor) => new Array(t.size).fill(0);
        expect({ backend, stride, dx: Array.from(await dx.data()), dw: Array.from(await dw.data()) }).toEqual({ backend, stride, dx: zeros(dx), dw: zeros(dw) });
        tf.dispose([x, w, dx, dw]);
      }
    }
  });

  // tfjs-webgpu's RealDiv / Pow / SquaredDifference / Mod / Atan2 did not compile when broadcasting at
  // rank 5 ("cannot index type 'vec5'"); det merges axes that broadcast alike (rank5-binary.ts).
  it('binary ops broadcasting at rank 5', async () => {
    const shapes: [number[], number[]][] = [[[2, 1, 1, 1, 1], [7]], [[2, 3, 1, 4, 5], [3, 1, 1, 5]], [[2, 1, 4, 1, 6], [1, 3, 1, 5, 1]]];
    for (const op of ['div', 'pow', 'squaredDifference', 'mod', 'atan2'] as const) {
      for (const [a, b] of shapes) {
        const got: number[][] = [];
        for (const backend of ['cpu', 'webgpu']) {
          await tf.setBackend(backend);
          const size = (s: number[]) => s.reduce((p, q) => p * q, 1);
          const y = tf.tidy(() => tf[op](tf.tensor(seededValues(size(a), 8).map((v) => 1.5 + v), a), tf.tensor(seededValues(size(b), 9).map((v) => 1.2 + v * 0.5), b)));
          got.push(Array.from(await y.data()));
          y.dispose();
        }
        const err = got[0].reduce((m, v, i) => Math.max(m, Math.abs(v - got[1][i]) / Math.max(1, Math.abs(v))), 0);
        expect({ op, a, b, ok: err < 1e-5 }).toEqual({ op, a, b, ok: true });
      }
    }
  });

  it('int32 arithmetic is exact below 2^24 (labels, indices, counts)', async () => {
    const a = tf.tensor1d([0, 7, -7, 16777215, 80, 3], 'int32');
    const b = tf.tensor1d([5, 2, 2, 0, 9, 1], 'int32');
    // Tile past tfjs's CPU-forwarding threshold so the GPU shaders run.
    const [ta, tb] = [tf.tile(a, [400]), tf.tile(b, [400])];
    const outs = tf.tidy(() => [tf.add(ta, tb), tf.mul(ta, tf.minimum(tb, 1)), tf.floorDiv(ta, tf.maximum(tb, 1))]);
    const [sum, prod, fdiv] = await Promise.all(outs.map((t) => t.data()));
    tf.dispose(outs);
    expect(Array.from(sum.slice(0, 6))).toEqual([5, 9, -5, 16777215, 89, 4]);
    expect(Array.from(prod.slice(0, 6))).toEqual([0, 7, -7, 0, 80, 3]);
    expect(Array.from(fdiv.slice(0, 6))).toEqual([0, 3, -4, 16777215, 8, 3]);
    tf.dispose([a, b, ta, tb]);
  });

  it('cropAndResize of boxes on an image index ≥ the number of boxes (tfjs\'s shader skipped them)', async () => {
    const image = seededValues(2 * 3 * 4 * 3, 20);
    const crop = async (backend: string) => {
      await tf.setBackend(backend);
      const y = tf.image.cropAndResize(tf.tensor4d(image, [2, 3, 4, 3]), tf.tensor2d([[0.1, 0.2, 0.8, 0.9]]), tf.tensor1d([1], 'int32'), [3, 5], 'bilinear', 0.5);
      const values = Array.from(await y.data());
      y.dispose();
      return values;
    };
    const [cpu, gpu] = [await crop('cpu'), await crop('webgpu')];
    gpu.forEach((v, i) => expect(Math.abs(v - cpu[i])).toBeLessThan(1e-5));
  });
});
