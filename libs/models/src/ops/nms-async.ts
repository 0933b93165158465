// NMS entry points for tensor inputs on any backend: the tensors are read with `await data()`
// (webgpu has no synchronous reads), then the host NMS runs on the arrays.
import { NumericInput, readBoxesAsync, readNumbersAsync } from './box-data';
import { batchedNms, nms } from './nms';

/** `nms` with its tensor inputs read asynchronously. */
export async function nmsAsync(boxes: NumericInput | number[][], scores: NumericInput, iouThreshold: number): Promise<Int32Array> {
  const [b, s] = await Promise.all([readBoxesAsync(boxes, 'nms'), readNumbersAsync(scores)]);
  return nms(b, s, iouThreshold);
}

/** `batchedNms` with its tensor inputs read asynchronously. */
export async function batchedNmsAsync(
  boxes: NumericInput | number[][],
  scores: NumericInput,
  labels: NumericInput,
  iouThreshold: number,
): Promise<Int32Array> {
  const [b, s, l] = await Promise.all([readBoxesAsync(boxes, 'batchedNms'), readNumbersAsync(scores), readNumbersAsync(labels)]);
  return batchedNms(b, s, l, iouThreshold);
}
