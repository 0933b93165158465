import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';

/** [h, w] of each NHWC level. */
export const featmapSizes = (maps: tf.Tensor[]): [number, number][] => maps.map((m) => [m.shape[1]!, m.shape[2]!]);

/** Per-level NHWC maps [N,H,W,A·k] → one [N·ΣHWA, k] matrix, image-major then level (MMDetection's flatten order). */
export function flattenLevels(maps: tf.Tensor[], k: number): tf.Tensor2D {
  return tf.tidy(() => {
    const n = maps[0].shape[0]!;
    const perLevel = maps.map((m) => tf.reshape(m, [n, -1, k]));
    return tf.reshape(perLevel.length === 1 ? perLevel[0] : tf.concat(perLevel, 1), [-1, k]) as tf.Tensor2D;
  });
}

export function concatFloat32(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function concatUint8(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Rows `rows` of an n×k row-major array. */
export function gatherRows(data: Float32Array, k: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * k);
  for (let i = 0; i < rows.length; i++) out.set(data.subarray(rows[i] * k, rows[i] * k + k), i * k);
  return out;
}

/** A k·4 box array as a [k,4] tensor, after checking it is well formed. */
export function boxesTensor(boxes: Float32Array | undefined, where: string): tf.Tensor2D {
  const b = boxes ?? new Float32Array(0);
  if (b.length % 4 !== 0) throw new DetError(`${where}: box array length ${b.length} is not a multiple of 4`);
  return tf.tensor2d(b, [b.length / 4, 4]);
}

export function checkNumClasses(numClasses: unknown, where: string): number {
  if (!Number.isInteger(numClasses) || (numClasses as number) < 1) {
    throw new DetError(`${where}.numClasses must be a positive integer, got ${JSON.stringify(numClasses)} ` + '(set it in the head config or let the CLI fill it from the dataset classes)');
  }
  return numClasses as number;
}

/**
 * tf.gather of rows whose gradient is a scatterND: tfjs differentiates gather through
 * UnsortedSegmentSum, which the wasm backend lacks, so plain gather would break training there.
 */
export function gatherRowsWithGrad(x: tf.Tensor2D, rows: ArrayLike<number>): tf.Tensor2D {
  const idx = Int32Array.from(rows);
  const shape = x.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.tidy(() => tf.gather(args[0] as tf.Tensor, tf.tensor1d(idx, 'int32'))),
    gradFunc: (dy: tf.Tensor) => tf.tidy(() => tf.scatterND(tf.tensor2d(idx, [idx.length, 1], 'int32'), dy, shape)),
  }));
  return op(x) as tf.Tensor2D;
}
