import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs every case on the cpu backend and on `backend` and describes the outputs that differ by
 * more than `tol` relative to the reference's largest value — or absolutely, below 1: a gradient
 * that cancels to ~0 has no scale of its own. A NaN on one side only, or another length, fails.
 */
export async function differentialMismatches<C extends { desc: string }>(
  backend: string, cases: C[], run: (c: C) => Promise<Float32Array[]>, tol: number, names: string[] = [],
): Promise<string[]> {
  const failures: string[] = [];
  for (const c of cases) {
    await tf.setBackend('cpu');
    const ref = await run(c);
    await tf.setBackend(backend);
    const got = await run(c);
    ref.forEach((r, i) => {
      let [diff, scale] = [0, 1];
      for (let j = 0; j < r.length; j++) [diff, scale] = [Math.max(diff, Math.abs(got[i][j] - r[j])), Math.max(scale, Math.abs(r[j]))];
      const broken = got[i].length !== r.length || got[i].some((v, j) => Number.isNaN(v) !== Number.isNaN(r[j]));
      const err = broken ? Infinity : diff / scale;
      if (!(err < tol)) failures.push(`${c.desc}: ${names[i] ?? `output ${i}`} error ${err}`);
    });
  }
  return failures;
}

/**
 * The fuzz generators' seeded source: a linear congruential generator (the same cases for a seed
 * on every machine and Node version) and a uniform pick from a list.
 */
export function seededPicker(seed: number): { rnd: () => number; pick: <T>(a: readonly T[]) => T } {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return { rnd, pick: <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] };
}

export const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * `f`'s outputs on the given inputs and, with `grad`, the gradient of Σ y₀·dy for every input (dy
 * a fixed pattern of y₀'s shape), read back as Float32Arrays: what the differential specs compare.
 */
export async function outputsAndGradients(
  inputs: { shape: number[]; values: Float32Array }[], f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], grad = true,
): Promise<Float32Array[]> {
  const outs = tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
    const ys = [f(...xs)].flat();
    if (!grad) return ys;
    const dy = tf.tensor(Float32Array.from({ length: ys[0].size }, (_, i) => ((i * 7919) % 13) / 6 - 1), ys[0].shape);
    return [...ys, ...tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul([f(...a)].flat()[0], dy)))(xs)];
  });
  const data = await Promise.all(outs.map(async (t) => Float32Array.from((await t.data()) as ArrayLike<number>)));
  tf.dispose(outs);
  return data;
}

