import * as tf from '@tensorflow/tfjs-core';

/** Runs `fn` on `backend` and returns its outputs as plain arrays (tensors are disposed). */
export async function runOn(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<{ shape: number[]; data: Float32Array }[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(() => {
    const r = fn();
    return Array.isArray(r) ? r : [r];
  });
  const result = outs.map((t) => ({ shape: t.shape, data: Float32Array.from(t.dataSync()) }));
  tf.dispose(outs);
  return result;
}

/** max |a − b| / max(|b|, 1e-6 scale floor): error relative to the reference tensor's magnitude. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; ++i) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-6);
}

/** Deterministic pseudo-random data in [-1, 1) (a LCG, so the two backends see identical inputs). */
export function randomData(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; ++i) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Asserts that `fn` gives the same results on `backend` as on the stock cpu backend. */
export async function expectSameAsCpu(backend: string, fn: () => tf.Tensor | tf.Tensor[], tolerance = 1e-4): Promise<void> {
  const ref = await runOn('cpu', fn);
  const got = await runOn(backend, fn);
  expect(got.length).toBe(ref.length);
  got.forEach((g, i) => {
    expect(g.shape).toEqual(ref[i].shape);
    const err = relativeError(g.data, ref[i].data);
    if (!(err <= tolerance)) throw new Error(`output ${i} (shape ${g.shape}): relative error ${err} > ${tolerance}`);
  });
}
