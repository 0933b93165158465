import * as tf from '@tensorflow/tfjs-core';
import { installGradient } from './kernel-registry';

/**
 * Gradients tfjs-core 4.22 gets wrong or lacks, registered by det (found by det's op fuzzes,
 * 2026-11-26):
 * - SquaredDifference, BatchMatMul, Maximum and Minimum return the gradient at the broadcast
 *   output's shape, so a broadcasting call (`tf.squaredDifference(x [2,3], mean [3])`,
 *   `tf.matMul(a [2,3,4], b [4,5])`, pairwise box IoU's `tf.maximum(x1 [n,1], x1 [1,m])`)
 *   failed in backprop ("The gradient of input 'b' has shape '2,4,5', which does not match the
 *   shape of the input '4,5'"). Same formulas, then summed to each input's shape as tfjs's
 *   Add/Mul gradients do (testing/op-fuzz-cases.ts).
 * - Cumsum along any axis but the last transposes its (already right) gradient: a shape error,
 *   or for square shapes silently transposed values (testing/shape-op-fuzz-cases.ts).
 * - StridedSlice has none ("Cannot compute gradient: gradient function not found").
 */
function sumToShape(g: tf.Tensor, shape: number[]): tf.Tensor {
  if (tf.util.arraysEqual(g.shape, shape)) return g;
  const axes = tf.backend_util.getReductionAxes(shape, g.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(g, axes) : g, shape);
}

const squaredDifferenceGradient: tf.GradConfig = {
  kernelName: tf.SquaredDifference,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved;
    const d = dy as tf.Tensor;
    return {
      a: () => sumToShape(tf.mul(d, tf.mul(tf.scalar(2), tf.sub(a, b))), a.shape),
      b: () => sumToShape(tf.mul(d, tf.mul(tf.scalar(2), tf.sub(b, a))), b.shape),
    };
  },
};

const batchMatMulGradient: tf.GradConfig = {
  kernelName: tf.BatchMatMul,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved;
    const d = dy as tf.Tensor;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    // dA = dY·Bᵀ, dB = Aᵀ·dY, written for each transpose so no transpose is materialised
    const [da, db] = !transposeA && !transposeB ? [() => tf.matMul(d, b, false, true), () => tf.matMul(a, d, true, false)]
      : !transposeA ? [() => tf.matMul(d, b, false, false), () => tf.matMul(d, a, true, false)]
        : !transposeB ? [() => tf.matMul(b, d, false, true), () => tf.matMul(a, d, false, false)]
          : [() => tf.matMul(b, d, true, true), () => tf.matMul(d, a, true, true)];
    return { a: () => sumToShape(da(), a.shape), b: () => sumToShape(db(), b.shape) };
  },
};

/** max / min with tfjs's tie rule (ties to a), summed to each input's shape. */
function extremumGradient(kernelName: string, aWins: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved;
      const d = dy as tf.Tensor;
      return {
        a: () => sumToShape(tf.mul(d, tf.cast(aWins(a, b), 'float32')), a.shape),
        b: () => sumToShape(tf.mul(d, tf.cast(tf.logicalNot(aWins(a, b)), 'float32')), b.shape),
      };
    },
  };
}

/** y = cumsum(x) along an axis: dx = cumsum(dy) the other way along it (exclusive stays exclusive). */
const cumsumGradient: tf.GradConfig = {
  kernelName: tf.Cumsum,
  inputsToSave: ['x'],
  gradFunc: (dy, _saved, attrs) => {
    const { axis, exclusive, reverse } = attrs as unknown as { axis: number; exclusive: boolean; reverse: boolean };
    return { x: () => tf.cumsum(dy as tf.Tensor, axis, exclusive, !reverse) };
  },
};

/**
 * y = x[begin : end : strides] (tfjs's masks resolved by slice_util, as its kernels do): dx is
 * zeros with dy scattered back to the positions read, begin + i·stride per dimension.
 */
const stridedSliceGradient: tf.GradConfig = {
  kernelName: tf.StridedSlice,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const a = attrs as unknown as { begin: number[]; end: number[]; strides: number[]; beginMask: number; endMask: number; ellipsisMask: number; newAxisMask: number; shrinkAxisMask: number };
    const info = tf.slice_util.sliceInfo(x.shape, a.begin, a.end, a.strides, a.beginMask, a.endMask, a.ellipsisMask, a.newAxisMask, a.shrinkAxisMask);
    return { x: () => scatterStrided(dy as tf.Tensor, x.shape, info.finalShapeSparse, info.begin, info.strides) };
  },
};

function scatterStrided(dy: tf.Tensor, shape: number[], counts: number[], begin: number[], strides: number[]): tf.Tensor {
  const k = counts.reduce((p, q) => p * q, 1);
  if (k === 0) return tf.zeros(shape);
  const rank = shape.length;
  const indices = new Int32Array(k * rank);
  const at = new Array<number>(rank).fill(0); // the output position, last dimension fastest
  for (let i = 0; i < k; i++) {
    for (let d = 0; d < rank; d++) indices[i * rank + d] = begin[d] + at[d] * strides[d];
    for (let d = rank - 1; d >= 0 && ++at[d] === counts[d]; d--) at[d] = 0;
  }
  return tf.scatterND(tf.tensor2d(indices, [k, rank], 'int32'), tf.reshape(dy, [k]), shape);
}

/** det's replacements and additions (for specs). */
export const DET_GRADIENT_FIXES: readonly tf.GradConfig[] = [
  squaredDifferenceGradient, batchMatMulGradient, cumsumGradient, stridedSliceGradient,
  extremumGradient(tf.Maximum, (a, b) => tf.greaterEqual(a, b)), extremumGradient(tf.Minimum, (a, b) => tf.lessEqual(a, b)),
];

/** Installs them in place of tfjs's. Idempotent. */
export function registerGradientFixes(): void {
  for (const config of DET_GRADIENT_FIXES) installGradient(config);
}
