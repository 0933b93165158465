import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureGradients } from '../backend/gradients';
import { loadNativeAddon } from './native-addon';
import { NATIVE_BACKEND, nativeKernelNames, registerNativeBackend } from './native-backend';
import { randomData, runOn } from './__fixtures__/compare';

// Slice / SplitV / Unpack are pure copies, so the native versions must be bit-identical to the
// stock cpu kernels, forward and through their gradients (Pad / Concat / Pack).
const load = loadNativeAddon();
// Counts the strided-copy calls, so a spec can tell the native path from the fallback (the
// addon's exports are read-only, hence a child object).
let copyCalls = 0;
const countingAddon = load.addon && Object.create(load.addon, {
  binaryBroadcast: { value: (...args: Parameters<NonNullable<typeof load.addon>['binaryBroadcast']>) => (args[0] === 9 && ++copyCalls, load.addon!.binaryBroadcast(...args)) },
});
const describeNative = process.env.DET_NATIVE === '0' ? describe.skip : describe;

const t = (shape: number[], seed: number) => tf.tensor(randomData(shape.reduce((a, b) => a * b, 1), seed), shape);

async function expectIdenticalToCpu(fn: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const ref = await runOn('cpu', fn);
  const got = await runOn(NATIVE_BACKEND, fn);
  expect(got.length).toBe(ref.length);
  got.forEach((g, i) => {
    expect(g.shape).toEqual(ref[i].shape);
    expect(Array.from(g.data)).toEqual(Array.from(ref[i].data));
  });
}

async function errorOn(backend: string, fn: () => tf.Tensor): Promise<string> {
  await tf.setBackend(backend);
  try {
    tf.tidy(() => fn().dataSync());
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
}

describeNative('native Slice / SplitV / Unpack are bit-identical to the stock cpu backend', () => {
  beforeAll(() => {
    tf.env().set('IS_TEST', true);
    ensureGradients();
    if (!load.addon) throw new Error(`native addon missing: ${load.reason}`);
    registerNativeBackend(countingAddon);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('registers native replacements', () => {
    expect(nativeKernelNames).toEqual(expect.arrayContaining([tf.Slice, tf.SplitV, tf.Unpack]));
  });

  it('slice: contiguous (view) and strided blocks, -1 sizes, ranks 1..5', async () => {
    const before = copyCalls;
    await expectIdenticalToCpu(() => {
      const x = t([4, 5, 6, 7], 1);
      return [
        tf.slice(x, [1, 0, 0, 0], [2, 5, 6, 7]), // contiguous
        tf.slice(x, [0, 1, 2, 3], [4, 3, -1, 2]),
        tf.slice(x, [3, 4, 5, 6], [1, 1, 1, 1]),
        tf.slice(t([10], 2), [3], [5]),
        tf.slice(t([3, 4, 2, 5, 6], 3), [1, 1, 0, 2, 1], [2, 2, 2, 3, 4]),
        tf.slice(t([64, 300, 9], 4), [0, 0, 4], [64, 300, 5]), // large strided block
      ];
    });
    expect(copyCalls - before).toBe(3); // the three strided blocks ran natively (one element is contiguous)
  });

  it('split (sizes, equal parts, -1, any axis) and unstack (every axis, rank 1)', async () => {
    const before = copyCalls;
    await expectIdenticalToCpu(() => {
      const x = t([3, 8, 5], 5);
      return [
        ...tf.split(x, [2, 5, 1], 1),
        ...tf.split(x, 5, -1),
        ...tf.split(x, [1, -1], 0),
        ...tf.unstack(x, 0),
        ...tf.unstack(x, 1),
        ...tf.unstack(x, 2),
        ...tf.unstack(t([4], 6)),
      ];
    });
    expect(copyCalls - before).toBeGreaterThan(0);
  });

  it('gradients through slice, split and unstack', async () => {
    await expectIdenticalToCpu(() => {
      const x = t([4, 6, 5], 7);
      const w = t([4, 6, 5], 8);
      const f = (v: tf.Tensor) => {
        const [a, b] = tf.split(tf.mul(v, w), [2, 3], 2);
        const rows = tf.unstack(tf.slice(v, [1, 1, 0], [3, 4, 5]), 1);
        return tf.add(tf.add(tf.sum(tf.square(a)), tf.sum(tf.mul(b, 3))), tf.sum(tf.mul(rows[2], rows[0])));
      };
      return tf.grad(f)(x);
    });
  });

  it('int32 data and empty parts use the stock kernels; invalid slices fail with the stock message', async () => {
    await expectIdenticalToCpu(() => [
      tf.cast(tf.slice(tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32'), [0, 1], [2, 2]), 'float32'),
      ...tf.split(t([2, 4], 9), [4, 0], 1),
      tf.slice(t([2, 4], 10), [1, 1], [0, 2]),
    ]);
    const bad = () => tf.slice(t([2, 3], 11), [1, 1], [2, 2]);
    const cpuError = await errorOn('cpu', bad);
    expect(cpuError).not.toBe('no error');
    expect(await errorOn(NATIVE_BACKEND, bad)).toBe(cpuError);
  });
});
