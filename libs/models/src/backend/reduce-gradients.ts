import * as tf from '@tensorflow/tfjs-core';
import { installGradient } from './kernel-registry';

/**
 * Gradients of Sum and Mean without a host-side `ones(x.shape)`.
 *
 * tfjs's own versions compute dy·ones(x.shape): `ones` fills a Float32Array of the input's
 * full size in JavaScript and uploads it. Every BatchNorm in training goes through two Means
 * (tf.moments), so at batch 16 × 320² that was hundreds of MB filled and copied per step — on
 * webgpu the step was bound by it (772 of 774 ms spent recording, 43 ms of GPU work; H200,
 * 2026-11-26). Broadcasting dy instead runs on the device (a Tile program) and gives the same
 * numbers: dy·1 = dy exactly.
 */
function expandedDy(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor {
  // an empty x (a sum over nothing): broadcastTo cannot reach a 0-sized dimension
  if (x.size === 0) return tf.zerosLike(x);
  const shape = x.shape.slice();
  for (const a of tf.util.parseAxisParam(axis, x.shape)) shape[a] = 1;
  const reshaped = tf.reshape(dy, shape);
  // A small dy (the loss's scalar gradient) usually lives on the host, and tfjs-backend-webgpu
  // runs Tile of a small host input on the CPU — a full-size host array again (20 ms per step
  // on the H200). It does the same for every input of rank ≥ 5 (GroupNorm's grouped moments),
  // where that CPU run needs a synchronous read, which Node's webgpu cannot do.
  // dy·onesLike(x) stays on the device: onesLike is a fill program where x is.
  if ((dy.size < SMALL_DY && x.size >= SMALL_DY) || x.rank >= TILE_ON_CPU_RANK) return tf.mul(reshaped, tf.onesLike(x));
  return tf.broadcastTo(reshaped, x.shape);
}

/** The rank from which tfjs-backend-webgpu 4.22's Tile runs on the CPU. */
const TILE_ON_CPU_RANK = 5;

/** tfjs-backend-webgpu's CPU hand-off threshold (WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD). */
const SMALL_DY = 1000;

const sumGradient: tf.GradConfig = {
  kernelName: tf.Sum,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { axis } = attrs as unknown as tf.SumAttrs;
    return { x: () => expandedDy(dy as tf.Tensor, x, axis) };
  },
};

const meanGradient: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { axis } = attrs as unknown as tf.MeanAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const reduceSize = axes.reduce((n, a) => n * x.shape[a], 1);
    return { x: () => tf.div(expandedDy(dy as tf.Tensor, x, axis), reduceSize) };
  },
};

/** det's replacements, by kernel name (for specs and `overriddenGradients`). */
export const DET_REDUCE_GRADIENTS: readonly tf.GradConfig[] = [sumGradient, meanGradient];

/** Installs det's Sum/Mean gradients in place of whatever is registered. Idempotent. */
export function registerReduceGradients(): void {
  for (const config of DET_REDUCE_GRADIENTS) installGradient(config);
}
