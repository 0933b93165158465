import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_GRAD_KERNEL, requestedBatchNormGrads } from '../../kernels/native-batchnorm';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import {
  BatchNormGivenStatsInputGradProgram, ChannelFinalizeProgram, ChannelSumsProgram, finalizeChannels, type ChannelFinalizeKind, type ChannelVectorShapes,
} from './batch-norm-programs';
import { channelSplits, channelView } from './batch-norm-train';

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };

/**
 * The five gradients of FusedBatchNorm with given statistics (tf.batchNorm: frozen / eval-mode
 * BatchNorm, e.g. the ResNet backbones of the detection configs) as the fused-gradient kernel
 * (`installBatchNormGradient` routes the gradient here where the backend registers it):
 * one channel-sums pass (Σdy, Σdy·(x − mean)), one per-channel finalisation pass for all the
 * requested vectors, one pass for dx.
 * tfjs's own gradient runs ~16 dispatches and 8 full-size passes per layer.
 * Inputs x, dy, mean, variance, scale? (vectors of C or single elements); outputs [dx, dMean,
 * dVariance, dScale, dOffset], each [C] but dx — or the subset attr `grads` names, and only
 * their programs run (dx alone needs no sums pass). With input y (the output of relu(batchNorm)),
 * dy is masked by y > 0 inside the sums and dx passes: relu's gradient without its own pass.
 */
function batchNormGrad({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo[] {
  const backend = b as WebGpuBackendLike;
  const { x, dy, mean, variance, scale, y } = inputs; // y: relu(batchNorm) output, masks dy
  const eps = Number(attrs.varianceEpsilon ?? 0.001);
  const { rows, cols } = channelView(x);
  const single = (t: tf.TensorInfo) => tf.util.sizeFromShape(t.shape) === 1 && cols !== 1;
  const vectors: ChannelVectorShapes = {
    meanIsScalar: single(mean), varianceIsScalar: single(variance), scale: scale == null ? 'none' : single(scale) ? 'scalar' : 'vector',
  };
  const withScale = scale ? [scale] : [];
  const wanted = requestedBatchNormGrads(attrs);
  const out: tf.TensorInfo[] = [];
  if (wanted.includes('dx')) {
    const program = new BatchNormGivenStatsInputGradProgram(x.shape, cols, eps, vectors, y != null);
    out.push(backend.runWebGPUProgram(program, [dy, variance, ...withScale, ...(y ? [y] : [])], 'float32'));
  }
  const reductions = wanted.filter((g) => g !== 'dx');
  if (reductions.length === 0) return out;
  const splits = channelSplits(rows, cols);
  const partial = y
    ? backend.runWebGPUProgram(new ChannelSumsProgram(rows, cols, splits, 'grad-relu', vectors.meanIsScalar), [x, dy, mean, y], 'float32')
    : backend.runWebGPUProgram(new ChannelSumsProgram(rows, cols, splits, 'grad', vectors.meanIsScalar), [x, dy, mean], 'float32');
  const kinds = reductions.map((g) => (g === 'dScale' ? 'dGamma' : g === 'dOffset' ? 'dBeta' : g)) as ChannelFinalizeKind[];
  const program = new ChannelFinalizeProgram(rows, cols, splits, kinds, eps, vectors);
  out.push(...finalizeChannels(backend, program, { partial, variance, gamma: scale }));
  backend.disposeData(partial.dataId);
  return out;
}

/** Registers the fused FusedBatchNorm gradient kernel on webgpu (idempotent). */
export function registerBatchNormGradKernel(): void {
  if (tf.getKernel(BATCH_NORM_GRAD_KERNEL, 'webgpu')) return;
  tf.registerKernel({ kernelName: BATCH_NORM_GRAD_KERNEL, backendName: 'webgpu', kernelFunc: batchNormGrad as unknown as tf.KernelFunc });
}
