import * as tf from '@tensorflow/tfjs-core';
import { activeBackendHas, installGradient } from '../backend/kernel-registry';
import type { NativeAddon } from './native-addon';
import { allocateF32 } from './buffer-pool';
import { type CpuKernelFunc, type FallbackLookup, channelVector, f32 } from './cpu-tensors';

/** Kernel that returns the FusedBatchNorm gradients in one call (registered on native and webgpu). */
export const BATCH_NORM_GRAD_KERNEL = 'DetFusedBatchNormGrad';

/** The kernel's outputs in order; attr `grads` (a subset) asks for only those, in this order. */
export const BATCH_NORM_GRADS = ['dx', 'dMean', 'dVariance', 'dScale', 'dOffset'] as const;
export type BatchNormGradName = (typeof BATCH_NORM_GRADS)[number];

/** The outputs attr `grads` asks for (all five when it is absent), in output order. */
export function requestedBatchNormGrads(attrs: Record<string, unknown> | undefined): BatchNormGradName[] {
  const asked = attrs?.grads as string[] | undefined;
  return asked == null ? [...BATCH_NORM_GRADS] : BATCH_NORM_GRADS.filter((g) => asked.includes(g));
}

/** FusedBatchNorm forward and the fused gradient kernel, for per-channel (last axis) statistics. */
export function nativeBatchNormKernels(addon: NativeAddon, fallback: FallbackLookup): tf.KernelConfig[] {
  const forward: CpuKernelFunc = (args) => {
    const { inputs: { x, mean, variance, offset, scale }, backend, attrs = {} } = args;
    const xv = f32(backend, x);
    const channels = x.shape[x.shape.length - 1];
    if (!xv || x.shape.length === 0 || xv.length === 0) return fallback(tf.FusedBatchNorm)(args);
    const m = channelVector(backend, mean, channels, 0), v = channelVector(backend, variance, channels, 1);
    const o = channelVector(backend, offset, channels, 0), s = channelVector(backend, scale, channels, 1);
    if (!m || !v || !o || !s) return fallback(tf.FusedBatchNorm)(args);
    const y = allocateF32(backend, xv.length);
    addon.batchNorm(xv.length / channels, channels, xv, m, v, o, s, Number(attrs.varianceEpsilon ?? 0.001), y);
    return backend.makeTensorInfo(x.shape, 'float32', y);
  };

  // Inputs x, dy, mean, variance, scale (optional); outputs dx, dMean, dVariance, dScale, dOffset
  // as [C] (the subset attr `grads` names: one pass computes all five here either way).
  const grad: CpuKernelFunc = (args) => {
    const { inputs: { x, dy, mean, variance, scale }, backend, attrs = {} } = args;
    const xv = f32(backend, x), dyv = f32(backend, dy);
    const channels = x.shape[x.shape.length - 1];
    const m = channelVector(backend, mean, channels, 0), v = channelVector(backend, variance, channels, 1);
    const s = channelVector(backend, scale, channels, 1);
    if (!xv || !dyv || !m || !v || !s) throw new Error(`${BATCH_NORM_GRAD_KERNEL}: unsupported inputs (x ${x.shape})`);
    const dx = allocateF32(backend, xv.length);
    const dMean = allocateF32(backend, channels), dVar = allocateF32(backend, channels);
    const dScale = allocateF32(backend, channels), dOffset = allocateF32(backend, channels);
    addon.batchNormGrad(xv.length / channels, channels, xv, dyv, m, v, s, Number(attrs.varianceEpsilon),
      dx, dMean, dVar, dScale, dOffset);
    const values = { dx, dMean, dVariance: dVar, dScale, dOffset };
    return requestedBatchNormGrads(attrs).map((g) => backend.makeTensorInfo(g === 'dx' ? x.shape : [channels], 'float32', values[g]));
  };

  return [
    { kernelName: tf.FusedBatchNorm, backendName: '', kernelFunc: forward as unknown as tf.KernelFunc },
    { kernelName: BATCH_NORM_GRAD_KERNEL, backendName: '', kernelFunc: grad as unknown as tf.KernelFunc },
  ];
}

/** True when a [C], [1,..,1,C] or scalar tensor can act as a per-channel vector of x. */
const isChannelVector = (t: tf.Tensor | undefined, channels: number): boolean =>
  t == null || t.size === 1 || (t.size === channels && t.shape.slice(0, -1).every((d) => d === 1));

/**
 * The gradient closures of tf.batchNorm (FusedBatchNorm) through BATCH_NORM_GRAD_KERNEL: dx, dScale
 * and dOffset from one kernel call; dMean and dVariance, which only a caller differentiating the
 * statistics needs, on demand in their closures. `y` (webgpu only): dy is first masked by y > 0,
 * the gradient of relu(batchNorm(...)) with y its output (`DetBatchNormRelu`).
 */
export function fusedBatchNormGradients(
  t: { x: tf.Tensor; dy: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor; scale?: tf.Tensor; y?: tf.Tensor },
  varianceEpsilon: number,
): Record<string, () => tf.Tensor> {
  const inputs: tf.NamedTensorMap = { x: t.x, dy: t.dy, mean: t.mean, variance: t.variance };
  if (t.scale) inputs.scale = t.scale;
  if (t.y) inputs.y = t.y;
  const run = (grads: BatchNormGradName[]) =>
    tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, inputs, { varianceEpsilon, grads } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const [dx, dScale, dOffset] = run(['dx', 'dScale', 'dOffset']);
  const like = (g: tf.Tensor, shapeOf: tf.Tensor | undefined) =>
    (shapeOf && shapeOf.size === 1 ? tf.reshape(tf.sum(g), shapeOf.shape) : tf.reshape(g, shapeOf ? shapeOf.shape : g.shape));
  return {
    x: () => dx,
    mean: () => like(run(['dMean'])[0], t.mean),
    variance: () => like(run(['dVariance'])[0], t.variance),
    scale: () => like(dScale, t.scale),
    // offset is not saved; like tfjs's own gradient, it takes the shape of mean.
    offset: () => like(dOffset, t.mean),
  };
}

/**
 * Replaces the FusedBatchNorm gradient (a global registration) with one that, on every backend
 * registering BATCH_NORM_GRAD_KERNEL (native; webgpu), computes the gradients with that kernel
 * instead of a dozen full-size ops; elsewhere, or for shapes it does not handle, it delegates to
 * tfjs's own gradient.
 *
 * tfjs calls a gradient closure only for the inputs on a path to what is differentiated, but
 * the gradient function itself runs first and cannot tell which. dx, dScale and dOffset (what
 * training with frozen statistics needs: eval-mode BatchNorm with a trainable affine part) are
 * computed there in one kernel call (webgpu: 4 dispatches); dMean and dVariance, which only a
 * caller differentiating w.r.t. the statistics needs, run on demand in their closures (2
 * dispatches each on webgpu). Computing all five eagerly cost 6 dispatches per layer.
 */
export function installBatchNormGradient(): void {
  const stock = tf.getGradient(tf.FusedBatchNorm);
  if (!stock || (stock as { detFused?: boolean }).detFused) return;
  const config: tf.GradConfig & { detFused: boolean } = {
    kernelName: tf.FusedBatchNorm,
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    detFused: true,
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved;
      const channels = x.shape[x.shape.length - 1];
      const fusable = activeBackendHas(BATCH_NORM_GRAD_KERNEL) && x.rank > 0 && !Array.isArray(dy) && dy.dtype === 'float32' &&
        [mean, variance, scale].every((t) => isChannelVector(t, channels));
      if (!fusable) return stock.gradFunc(dy, saved, attrs);
      return fusedBatchNormGradients({ x, dy: dy as tf.Tensor, mean, variance, scale }, Number((attrs as { varianceEpsilon?: number }).varianceEpsilon ?? 0.001));
    },
  };
  installGradient(config);
}
