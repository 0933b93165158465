import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureGradients } from '../backend/gradients';
import { loadNativeAddon } from './native-addon';
import { NATIVE_BACKEND, nativeKernelNames, registerNativeBackend } from './native-backend';
import { expectSameAsCpu, randomData, runOn } from './__fixtures__/compare';

// Pow, Log1p and GatherV2 were stock JS kernels on the native backend and showed up in the
// RetinaNet-tiny step profile (focal loss, positive-row gathers); these specs hold the native
// versions to the stock cpu results: bit-identical forward, gradients within 1e-6 relative.
const load = loadNativeAddon();
// The addon's exports are read-only; the backend gets a child object whose gatherAxis counts calls,
// so a spec can tell the native path from the fallback.
let gatherCalls = 0;
const countingAddon = load.addon && Object.create(load.addon, {
  gatherAxis: { value: (...args: Parameters<NonNullable<typeof load.addon>['gatherAxis']>) => (++gatherCalls, load.addon!.gatherAxis(...args)) },
});
const describeNative = process.env.DET_NATIVE === '0' ? describe.skip : describe;

const t = (shape: number[], seed: number) => tf.tensor(randomData(shape.reduce((a, b) => a * b, 1), seed), shape);

/** Asserts that every output is bit-identical (NaN matches NaN) on native and on the stock cpu backend. */
async function expectIdenticalToCpu(fn: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const ref = await runOn('cpu', fn);
  const got = await runOn(NATIVE_BACKEND, fn);
  expect(got.length).toBe(ref.length);
  got.forEach((g, i) => {
    expect(g.shape).toEqual(ref[i].shape);
    for (let k = 0; k < g.data.length; ++k) {
      if (!Object.is(g.data[k], ref[i].data[k])) {
        throw new Error(`output ${i} (shape ${g.shape}) element ${k}: native ${g.data[k]} vs cpu ${ref[i].data[k]}`);
      }
    }
  });
}

describeNative('native Pow / Log1p / GatherV2 match the stock cpu backend', () => {
  beforeAll(() => {
    tf.env().set('IS_TEST', true);
    ensureGradients();
    if (!load.addon) throw new Error(`native addon missing: ${load.reason}`);
    registerNativeBackend(countingAddon);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('registers native replacements for the three kernels', () => {
    expect(nativeKernelNames).toEqual(expect.arrayContaining([tf.Pow, tf.Log1p, tf.GatherV2]));
  });

  it('pow: same-shape, scalar exponent (focal loss), channel and general broadcasts, bit-identical', async () => {
    await expectIdenticalToCpu(() => {
      const base = tf.abs(t([4, 6, 9], 1));
      return [
        tf.pow(base, tf.mul(t([4, 6, 9], 2), 3)),
        tf.pow(base, tf.scalar(2)),
        tf.pow(tf.mul(base, -3), tf.scalar(1)),
        tf.pow(base, tf.scalar(1.5)),
        tf.pow(tf.scalar(1.7), t([4, 6, 9], 3)),
        tf.pow(base, t([9], 4)),
        tf.pow(t([4, 1, 9], 5), tf.round(tf.mul(t([1, 6, 1], 6), 4))), // negative bases, integer exponents
        tf.pow(t([3, 300, 257], 7), tf.scalar(2)), // large enough to split across threads
      ];
    });
  });

  it('pow: JavaScript Math.pow special cases (NaN exponent, ±1 to ±Infinity, 0 to negative, negative base to fraction)', async () => {
    const a = [1, -1, 1, -1, 2, 0, 0, -2, NaN, 1, 0.5, Infinity, -Infinity];
    const b = [NaN, Infinity, -Infinity, -Infinity, NaN, -1, 0, 0.5, 0, 0, -Infinity, -0.5, 3];
    await expectIdenticalToCpu(() => [
      tf.pow(tf.tensor1d(a), tf.tensor1d(b)),
      // the x·x path of exponent 2: overflow, underflow, signed zero, denormals
      tf.pow(tf.tensor1d([NaN, Infinity, -Infinity, -0, 1e30, -1e-30, 3e-23, 1e-40]), tf.scalar(2)),
      tf.pow(tf.tensor1d([NaN, Infinity, -Infinity, -0, 1e30, -1e-30, 3e-23, 1e-40]), tf.scalar(1)),
    ]);
  });

  it('pow gradient for base and exponent', async () => {
    await expectSameAsCpu(NATIVE_BACKEND, () => {
      const base = tf.add(tf.abs(t([5, 7, 3], 8)), 0.05);
      const exponent = tf.add(t([7, 3], 9), 2);
      const dy = t([5, 7, 3], 10);
      const loss = (x: tf.Tensor, e: tf.Tensor) => tf.sum(tf.mul(tf.pow(x, e), dy));
      const focal = (x: tf.Tensor) => tf.sum(tf.mul(tf.pow(x, tf.scalar(2)), dy));
      return [...tf.grads(loss)([base, exponent]), tf.grad(focal)(base)];
    }, 1e-6);
  });

  it('log1p forward (bit-identical, including -1, below -1 and tiny values) and gradient', async () => {
    await expectIdenticalToCpu(() => [
      tf.log1p(tf.mul(t([6, 50], 11), 3)),
      tf.log1p(tf.tensor1d([-1, -2, 1e-8, -1e-8, 0, Infinity, NaN])),
    ]);
    await expectSameAsCpu(NATIVE_BACKEND, () => {
      const x = tf.add(tf.abs(t([6, 50], 12)), 0.01);
      return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.log1p(v), t([6, 50], 13))))(x);
    }, 1e-6);
  });

  it('gather along first, middle, last and negative axes with repeated and 2-D indices, bit-identical', async () => {
    const before = gatherCalls;
    await expectIdenticalToCpu(() => {
      const x = t([5, 6, 7], 14);
      return [
        tf.gather(x, tf.tensor1d([4, 0, 0, 2], 'int32')),
        tf.gather(x, tf.tensor1d([5, 1, 3], 'int32'), 1),
        tf.gather(x, tf.tensor2d([[6, 0], [3, 3], [1, 2]], [3, 2], 'int32'), 2),
        tf.gather(x, tf.tensor1d([6, 5], 'int32'), -1),
        tf.gather(x, tf.tensor1d([], 'int32')),
        tf.gather(t([20000, 4], 15), tf.tensor1d(Array.from({ length: 30000 }, (_, i) => (i * 7919) % 20000), 'int32')),
      ];
    });
    expect(gatherCalls - before).toBe(5); // every case but the empty gather ran natively
  });

  it('gather gradient (scatter-add of repeated rows)', async () => {
    await expectSameAsCpu(NATIVE_BACKEND, () => {
      const x = t([8, 5], 16);
      const idx = tf.tensor1d([7, 1, 1, 3, 7, 7], 'int32');
      const w = t([6, 5], 17);
      return [tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.gather(v, idx), w)))(x),
        tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.gather(v, tf.tensor1d([4, 0], 'int32'), 1), t([8, 2], 18))))(x)];
    }, 1e-6);
  });

  it('falls back to the stock kernel: int32 data, batchDims 1, and an out-of-range index (same error)', async () => {
    await expectIdenticalToCpu(() => [
      tf.cast(tf.gather(tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32'), tf.tensor1d([1, 1, 0], 'int32')), 'float32'),
      tf.gather(t([2, 4, 3], 19), tf.tensor2d([[3, 0], [1, 1]], [2, 2], 'int32'), 1, 1),
    ]);
    const errorOn = async (backend: string) => {
      await tf.setBackend(backend);
      try {
        tf.tidy(() => tf.gather(t([3, 2], 20), tf.tensor1d([0, 3], 'int32')).dataSync());
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    const cpuError = await errorOn('cpu');
    expect(cpuError).toMatch(/index/);
    expect(await errorOn(NATIVE_BACKEND)).toBe(cpuError);
  });
});
