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
