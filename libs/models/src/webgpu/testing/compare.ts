import * as tf from '@tensorflow/tfjs-core';

import { relativeMaxError } from '../../testing/relative-error';

export { relativeMaxError };

/** Runs `fn` on `backend` with inputs built from plain arrays and reads the result back. */
export async function runOn(
  backend: string,
  inputs: { values: Float32Array; shape: number[] }[],
  fn: (...t: tf.Tensor[]) => tf.Tensor,
): Promise<Float32Array> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const out = tf.tidy(() => fn(...inputs.map((i) => tf.tensor(i.values, i.shape))));
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  } finally {
    await tf.setBackend(previous);
  }
}

/** Deterministic values in [-1, 1) (a small LCG; no dependency on any backend's RNG). */
export function seededValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Names of the WebGPU programs `fn` dispatches on the active (webgpu) backend. */
export function programsRun(fn: () => void): string[] {
  const backend = tf.backend() as unknown as { runWebGPUProgram: (...args: unknown[]) => unknown };
  const original = backend.runWebGPUProgram;
  const names: string[] = [];
  backend.runWebGPUProgram = function (this: unknown, ...args: unknown[]) {
    names.push((args[0] as { constructor: { name: string } }).constructor.name);
    return original.apply(this, args);
  };
  try {
    fn();
  } finally {
    backend.runWebGPUProgram = original;
  }
  return names;
}

/** d/dx and d/dw of Σ conv2d(x, w)², flattened into one tensor: a conv's whole backward pass. */
export function convGradients(stride: number, pad: 'same' | 'valid'): (x: tf.Tensor, w: tf.Tensor) => tf.Tensor {
  return (x, w) => {
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad))))([x, w]);
    return tf.concat([tf.reshape(gx, [-1]), tf.reshape(gw, [-1])]);
  };
}

/**
 * A loss of logits [n, c] from int labels [n] (row weights [n] optional): its value, then the
 * gradients of Σ loss·(1, 2, 3, …) — a different dy per element, so 'none' is checked element by
 * element — for the logits and, when given, the weights; on `backend`, read back, tensors freed.
 */
export async function labelLossAndGrads(
  backend: string, loss: (pred: tf.Tensor, labels: tf.Tensor, weight?: tf.Tensor) => tf.Tensor,
  logits: Float32Array, shape: [number, number], labels: Int32Array, weight?: Float32Array,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const [xt, lt] = [tf.tensor2d(logits, shape), tf.tensor1d(labels, 'int32')];
  const wt = weight ? tf.tensor1d(weight) : undefined;
  const weighted = (p: tf.Tensor, w?: tf.Tensor) => {
    const l = loss(p, lt, w);
    return tf.sum(tf.mul(l, tf.reshape(tf.range(1, 1 + l.size), l.shape)));
  };
  const value = loss(xt, lt, wt);
  const grads = tf.grads(weighted as (...t: tf.Tensor[]) => tf.Tensor)(wt ? [xt, wt] : [xt]);
  const out = await Promise.all([value, ...grads].map(async (t) => Float32Array.from((await t.data()) as Float32Array)));
  tf.dispose([xt, lt, ...(wt ? [wt] : []), value, ...grads]);
  return out;
}

/** Throws naming the first output of `got` further than `tol` (relativeMaxError) from `ref`'s. */
export function expectWithin(got: Float32Array[], ref: Float32Array[], names: string[], tol: number): void {
  names.slice(0, ref.length).forEach((name, i) => {
    const err = relativeMaxError(got[i], ref[i]);
    if (!(err < tol)) throw new Error(`${name}: relative error ${err}`);
  });
}
