import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';

/** [h, w] of each NHWC level. */
export const featmapSizes = (maps: tf.Tensor[]): [number, number][] => maps.map((m) => [m.shape[1]!, m.shape[2]!]);

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

/**
 * A few values by key, oldest dropped first: per-size data (anchors, valid flags) that a fixed
 * input size reuses every step, bounded so multi-scale training does not grow it.
 */
export class BoundedCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(readonly maxEntries: number) {}

  get(key: string, make: () => T): T {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = make();
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
    return value;
  }
}

/** Rows `rows` of image `i` of an NHWC head output, as [rows.length, width] (one slice and one gather). */
export function imageRows(t: tf.Tensor, i: number, width: number, rows: Int32Array): tf.Tensor2D {
  return tf.tidy(() => tf.gather(tf.reshape(tf.slice(t, [i, 0, 0, 0], [1, -1, -1, -1]), [-1, width]), tf.tensor1d(rows, 'int32')) as tf.Tensor2D);
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

/**
 * Splits image-major targets [n · total] into per-level arrays [n · count_l] laid out like a
 * level's flattened [N,H,W,A·k] map (image-major), so losses run per level with no concat.
 */
export function perLevel<T extends Int32Array | Float32Array>(data: T, n: number, counts: number[], width = 1): T[] {
  const total = counts.reduce((a, b) => a + b, 0);
  let offset = 0;
  return counts.map((count) => {
    const out = new (data.constructor as new (len: number) => T)(n * count * width);
    for (let i = 0; i < n; i++) out.set(data.subarray((i * total + offset) * width, (i * total + offset + count) * width), i * count * width);
    offset += count;
    return out;
  });
}

/** Positives (image-major global rows into [n · total]) of each level, as level-local rows and their index in the input. */
export function positivesPerLevel(posRows: number[], counts: number[]): { local: number[]; which: number[] }[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const starts = counts.map((_, l) => counts.slice(0, l).reduce((a, b) => a + b, 0));
  const out = counts.map(() => ({ local: [] as number[], which: [] as number[] }));
  posRows.forEach((row, j) => {
    const i = Math.floor(row / total);
    const a = row % total;
    let l = counts.length - 1;
    while (a < starts[l]) l--;
    out[l].local.push(i * counts[l] + (a - starts[l]));
    out[l].which.push(j);
  });
  return out;
}

/** Backends whose tensors live in host memory: a tensor made from a JS array costs no upload there. */
const HOST_BACKENDS = new Set(['cpu', 'native', 'wasm']);

/**
 * How sigmoid heads hand class targets to their loss: 'host' as dense one-hot [rows, C] arrays
 * (host backends: there the device-side one-hot and broadcast multiply are the slow kernels),
 * 'labels' as int labels [rows] expanded by the loss on the device (device backends: a dense host
 * array is a full-size fill and upload per level and step), 'auto' by backend. Same values.
 */
export type ClsTargetMode = 'auto' | 'host' | 'labels';

/** Whether to pass labels rather than dense targets (the loss must take class indices). */
export function clsTargetsAsLabels(mode: ClsTargetMode, loss: { takesClassIndices?: boolean }): boolean {
  if (mode === 'host' || !loss.takesClassIndices) return false;
  return mode === 'labels' || !HOST_BACKENDS.has(tf.getBackend());
}

/** One-hot rows (labels ≥ numClasses, i.e. background, give zero rows) and row weights repeated per class. */
export function denseClassTargets(labels: Int32Array, rowWeights: Float32Array | undefined, numClasses: number): { targets: Float32Array; weight: Float32Array } {
  const targets = new Float32Array(labels.length * numClasses);
  const weight = new Float32Array(rowWeights ? labels.length * numClasses : 0);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l >= 0 && l < numClasses) targets[i * numClasses + l] = 1;
    if (rowWeights) weight.fill(rowWeights[i], i * numClasses, (i + 1) * numClasses);
  }
  return { targets, weight };
}
