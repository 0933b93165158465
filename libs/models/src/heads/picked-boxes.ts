import * as tf from '@tensorflow/tfjs-core';
import { readAndDispose } from './read-back';

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

/** `pickedBoxes`, read with `await data()`. */
export async function readPickedBoxes(coder: DecodingCoder, priors: Float32Array, priorWidth: number, deltas: tf.Tensor2D, maxShape: number[]): Promise<Float32Array> {
  const { read, boxes } = pickedBoxes(coder, priors, priorWidth, deltas, maxShape);
  return boxes(await readAndDispose(read));
}
