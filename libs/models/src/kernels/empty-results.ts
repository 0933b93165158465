import * as tf from '@tensorflow/tfjs-core';

// What a kernel returns where an empty operand leaves nothing to compute (webgpu and wasm guard
// their reductions and matMuls with these; docs/webgpu.md and docs/backends.md, hazards).

/** Sum / Mean over `axis` (all when absent): the output shape and dtype, as the cpu backend gives them (zeros). */
export function emptyReduceResult(kind: 'sum' | 'mean', x: tf.TensorInfo, attrs: { axis?: number | number[]; keepDims?: boolean }): { shape: number[]; dtype: 'float32' | 'int32' } {
  const axes = attrs.axis == null ? x.shape.map((_, i) => i) : tf.util.parseAxisParam(attrs.axis, x.shape);
  const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
  return {
    shape: attrs.keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape,
    dtype: kind === 'mean' || x.dtype === 'float32' ? 'float32' : 'int32',
  };
}

/** BatchMatMul's output shape: the broadcast batch, then M × N. */
export function matMulOutputShape(a: number[], b: number[], attrs: { transposeA?: boolean; transposeB?: boolean }): number[] {
  const m = attrs.transposeA ? a[a.length - 1] : a[a.length - 2];
  const n = attrs.transposeB ? b[b.length - 2] : b[b.length - 1];
  return [...tf.broadcast_util.assertAndGetBroadcastShape(a.slice(0, -2), b.slice(0, -2)), m, n];
}

/** Zero values of a shape and dtype, for a backend to wrap as a tensor. */
export function zeroValues(shape: number[], dtype: 'float32' | 'int32' = 'float32'): Float32Array | Int32Array {
  const size = tf.util.sizeFromShape(shape);
  return dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
}
