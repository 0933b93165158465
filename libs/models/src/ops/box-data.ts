// Reads box/score inputs (tensors or plain arrays) into typed arrays once, for the CPU-side ops.
import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';

export type NumericInput = tf.Tensor | Float32Array | Float64Array | Int32Array | ArrayLike<number>;

/**
 * Flat numbers of `input`; tensors are read synchronously (one download), which webgpu refuses
 * for GPU-resident tensors: there, read with `readNumbersAsync` (or pass host arrays, as det's
 * heads do).
 */
export function readNumbers(input: NumericInput): ArrayLike<number> {
  if (input instanceof tf.Tensor) return input.dataSync() as ArrayLike<number>;
  return input;
}

function checkBoxTensor(input: tf.Tensor, op: string): void {
  if (input.rank !== 2 || input.shape[1] !== 4) {
    throw new DetError(`${op}: boxes must have shape [n,4], got [${input.shape.join(',')}]`);
  }
}

/**
 * Flat x1,y1,x2,y2 of boxes given as an [n,4] tensor, a flat n*4 array or an array of rows.
 * Tensors are read synchronously (see readNumbers; `readBoxesAsync` on webgpu).
 */
export function readBoxes(input: NumericInput | number[][], op: string): ArrayLike<number> {
  if (input instanceof tf.Tensor) {
    checkBoxTensor(input, op);
    return input.dataSync() as ArrayLike<number>;
  }
  const rows = input as ArrayLike<unknown>;
  if (rows.length > 0 && Array.isArray(rows[0])) return (input as number[][]).flat();
  if (rows.length % 4 !== 0) throw new DetError(`${op}: flat boxes need a multiple of 4 numbers, got ${rows.length}`);
  return input as ArrayLike<number>;
}

/** `readNumbers` that reads a tensor with `await data()` (every backend, webgpu included). */
export async function readNumbersAsync(input: NumericInput): Promise<ArrayLike<number>> {
  if (input instanceof tf.Tensor) return (await input.data()) as ArrayLike<number>;
  return input;
}

/** `readBoxes` that reads a tensor with `await data()` (every backend, webgpu included). */
export async function readBoxesAsync(input: NumericInput | number[][], op: string): Promise<ArrayLike<number>> {
  if (input instanceof tf.Tensor) {
    checkBoxTensor(input, op);
    return (await input.data()) as ArrayLike<number>;
  }
  return readBoxes(input, op);
}
