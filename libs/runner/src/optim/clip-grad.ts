import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';
import { activeBackendHasKernel } from './fused-kernel';

/**
 * A backend may register this kernel (docs/contracts.md, "Fused kernels by name"; @det/models
 * registers it on webgpu): Σ x² over up to 7 tensors {x0, x1, …} as one scalar.
 */
const SUM_SQUARES_KERNEL = 'DetSumSquares';
const SUM_SQUARES_INPUTS = 7;

/** A backend may register this kernel too: x·scale for up to 4 float32 tensors {x0, …} → one tensor per input. */
const SCALE_TENSORS_KERNEL = 'DetScaleTensors';
const SCALE_TENSORS_INPUTS = 4;

/** gs·coef: one multiply per gradient, or one kernel call per 4 where the backend has it. */
function scaled(gs: tf.Tensor[], coef: number): tf.Tensor[] {
  if (!activeBackendHasKernel(SCALE_TENSORS_KERNEL) || gs.some((g) => g.dtype !== 'float32')) return gs.map((g) => tf.tidy(() => tf.mul(g, coef)));
  const out: tf.Tensor[] = [];
  for (let i = 0; i < gs.length; i += SCALE_TENSORS_INPUTS) {
    const inputs = Object.fromEntries(gs.slice(i, i + SCALE_TENSORS_INPUTS).map((g, k) => [`x${k}`, g]));
    out.push(...(tf.engine().runKernel(SCALE_TENSORS_KERNEL, inputs, { scale: coef }) as tf.Tensor[]));
  }
  return out;
}

/** Σ g² of the gradients, as a few scalars: one per gradient, or one per 7 with the fused kernel. */
function sumsOfSquares(gs: tf.Tensor[]): tf.Tensor[] {
  if (!activeBackendHasKernel(SUM_SQUARES_KERNEL) || gs.some((g) => g.dtype !== 'float32')) return gs.map((g) => tf.sum(tf.square(g)));
  const sums: tf.Tensor[] = [];
  for (let i = 0; i < gs.length; i += SUM_SQUARES_INPUTS) {
    const inputs = Object.fromEntries(gs.slice(i, i + SUM_SQUARES_INPUTS).map((g, k) => [`x${k}`, g]));
    sums.push(tf.engine().runKernel(SUM_SQUARES_KERNEL, inputs) as tf.Tensor);
  }
  return sums;
}

/**
 * torch.nn.utils.clip_grad_norm_ over a gradient dict: the global p-norm of all gradients
 * (normType Infinity = max |g|); when it exceeds maxNorm every gradient is scaled by
 * maxNorm / (norm + 1e-6). Tensors are immutable, so clipped gradients replace the entries of
 * `grads` in place and the originals are disposed. Resolves to the total norm before clipping.
 * Async because the norm is read back with `data()` (webgpu has no synchronous reads).
 */
export async function clipGradNorm(grads: Record<string, tf.Tensor>, maxNorm: number, normType = 2): Promise<number> {
  if (!(maxNorm > 0)) throw new DetError(`gradClip.maxNorm must be > 0, got ${maxNorm}`);
  if (!(normType > 0)) throw new DetError(`gradClip.normType must be > 0 or Infinity, got ${normType}`);
  const names = Object.keys(grads);
  if (!names.length) return 0;
  const total = tf.tidy(() => {
    if (normType === Infinity) return tf.max(tf.stack(names.map((n) => tf.max(tf.abs(grads[n])))));
    // the 2-norm (the usual case) from squares: one op per gradient fewer, and g·g is exact where
    // a GPU's pow(|g|, 2) goes through exp2(2·log2|g|); 7 gradients per dispatch where the
    // backend has a fused sum of squares
    if (normType === 2) return tf.sqrt(tf.addN(sumsOfSquares(names.map((n) => grads[n]))));
    const sums = names.map((n) => tf.sum(tf.pow(tf.abs(grads[n]), normType)));
    return tf.pow(tf.addN(sums), 1 / normType);
  });
  let totalNorm: number;
  try {
    totalNorm = (await total.data())[0];
  } finally {
    total.dispose();
  }
  const coef = maxNorm / (totalNorm + 1e-6);
  if (coef < 1) {
    const clipped = scaled(names.map((n) => grads[n]), coef);
    names.forEach((n, i) => {
      grads[n].dispose();
      grads[n] = clipped[i];
    });
  }
  return totalNorm;
}
