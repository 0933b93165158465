import * as tf from '@tensorflow/tfjs-core';
import { readAllAndDispose } from './read-back';

/** What post-processing needs of a box coder: `decode` on tensors, and on host arrays where it can. */
export interface DecodingCoder {
  decode(priors: tf.Tensor2D, deltas: tf.Tensor2D, options?: { maxShape?: number[] }): tf.Tensor2D;
  /** `decode` on flat host arrays, equal to it on the cpu backend (DeltaXYWHBBoxCoder, DistancePointBBoxCoder). */
  decodeData?(priors: ArrayLike<number>, deltas: ArrayLike<number>, options?: { maxShape?: number[] }): Float32Array;
}

/**
 * Boxes of picked candidates, whose values go to the host anyway (NMS): the tensor to read back
 * and what turns the read values into flat boxes. With a coder that decodes host arrays, the
 * picked deltas themselves are read and decoded on the host — on webgpu one read instead of ~30
 * small dispatches and the same read. Else they are decoded on the device first. `priors` is
 * flat (`priorWidth` numbers a row); `deltas` is consumed (disposed, or returned to be read).
 */
export function pickedBoxes(
  coder: DecodingCoder, priors: Float32Array, priorWidth: number, deltas: tf.Tensor2D, maxShape: number[],
): { read: tf.Tensor; boxes(values: Float32Array): Float32Array } {
  if (coder.decodeData) return { read: deltas, boxes: (values) => coder.decodeData!(priors, values, { maxShape }) };
  try {
    const decoded = tf.tidy(() => coder.decode(tf.tensor2d(priors, [priors.length / priorWidth, priorWidth]), deltas, { maxShape }));
    return { read: decoded, boxes: (values) => values };
  } finally {
    deltas.dispose();
  }
}

/** One set of picked candidates: flat priors (`width` numbers a row) and their deltas (consumed). */
export interface PickedSet {
  priors: Float32Array;
  width: number;
  deltas: tf.Tensor2D;
}

/** `pickedBoxes` of several sets, read concurrently (one wait for the GPU); an undefined set has no boxes. */
export async function readPickedBoxes(coder: DecodingCoder, sets: (PickedSet | undefined)[], maxShape: number[]): Promise<Float32Array[]> {
  const decoding: ReturnType<typeof pickedBoxes>[] = [];
  let s = 0;
  try {
    for (; s < sets.length; s++) {
      const set = sets[s];
      if (set) decoding.push(pickedBoxes(coder, set.priors, set.width, set.deltas, maxShape));
    }
  } catch (err) {
    // pickedBoxes consumed sets[s]; what was made so far and the sets after it are still held
    tf.dispose([...decoding.map((d) => d.read), ...sets.slice(s + 1).flatMap((set) => (set ? [set.deltas] : []))]);
    throw err;
  }
  const values = await readAllAndDispose(decoding.map((d) => d.read));
  let next = 0;
  return sets.map((set) => (set ? decoding[next].boxes(values[next++]) : new Float32Array(0)));
}
