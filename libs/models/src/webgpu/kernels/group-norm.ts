import * as tf from '@tensorflow/tfjs-core';
import { GN_GRAD_KERNEL, GN_KERNEL } from '../../nn/group-norm-kernel';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { ChannelFinalizeProgram, ChannelSumsProgram, finalizeChannels } from './batch-norm-programs';
import { channelSplits, channelView } from './batch-norm-train';
import { GroupFinalizeProgram, GroupNormApplyProgram, GroupNormInputGradProgram, GroupSumsProgram, type GroupShape, type GroupSumsKind } from './group-norm-programs';

// Enough workgroups to fill a large GPU; each thread still adds a few dozen values per split.
const TARGET_WORKGROUPS = 1024;
const MAX_SPLITS = 256;

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };

function groupShape(x: tf.TensorInfo, attrs: Record<string, unknown>): GroupShape {
  const [n, h, w, c] = x.shape;
  return { n, hw: h * w, c, groups: Number(attrs.numGroups) };
}

/** Partial sums per (n, group): as many splits as fill the GPU without making them tiny. */
function groupSums(backend: WebGpuBackendLike, s: GroupShape, kind: GroupSumsKind, inputs: tf.TensorInfo[]): { partial: tf.TensorInfo; splits: number } {
  const values = s.hw * (s.c / s.groups);
  const splits = Math.max(1, Math.min(Math.ceil(TARGET_WORKGROUPS / (s.n * s.groups)), Math.ceil(values / (256 * 16)), MAX_SPLITS));
  return { partial: backend.runWebGPUProgram(new GroupSumsProgram(s, splits, kind), inputs, 'float32'), splits };
}

/** y (+ReLU) and the [N·G, 2] (mean, rstd) statistics. */
function groupNorm({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo[] {
  const backend = b as WebGpuBackendLike;
  const { x, gamma, beta } = inputs;
  const s = groupShape(x, attrs);
  const { partial, splits } = groupSums(backend, s, 'stats', [x]);
  const stats = backend.runWebGPUProgram(new GroupFinalizeProgram(s, splits, 'stats', Number(attrs.eps)), [partial, x], 'float32');
  backend.disposeData(partial.dataId);
  const y = backend.runWebGPUProgram(new GroupNormApplyProgram(x.shape, s, Boolean(attrs.relu)), [x, stats, gamma, beta], 'float32');
  return [y, stats];
}

/** dx from the group means of g and g·x̂; dγ = Σ dy·x̂ and dβ = Σ dy per channel. */
function groupNormGrad({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo[] {
  const backend = b as WebGpuBackendLike;
  const { x, dy, stats, gamma, y } = inputs;
  const relu = Boolean(attrs.relu);
  const s = groupShape(x, attrs);
  const masked = relu ? [y] : [];
  const { partial, splits } = groupSums(backend, s, relu ? 'grad-relu' : 'grad', [x, dy, stats, gamma, ...masked]);
  const gsums = backend.runWebGPUProgram(new GroupFinalizeProgram(s, splits, 'grad'), [partial], 'float32');
  backend.disposeData(partial.dataId);
  const dx = backend.runWebGPUProgram(new GroupNormInputGradProgram(x.shape, s, relu), [x, dy, stats, gsums, gamma, ...masked], 'float32');
  backend.disposeData(gsums.dataId);
  const { rows, cols } = channelView(x);
  const channelSplitCount = channelSplits(rows, cols);
  const affine = backend.runWebGPUProgram(
    new ChannelSumsProgram(rows, cols, channelSplitCount, relu ? 'gn-affine-relu' : 'gn-affine', false, { hw: s.hw, groups: s.groups }),
    [x, dy, stats, ...masked], 'float32');
  const [dGamma, dBeta] = finalizeChannels(backend, new ChannelFinalizeProgram(rows, cols, channelSplitCount, ['sum0', 'sum1']), { partial: affine });
  backend.disposeData(affine.dataId);
  return [dx, dGamma, dBeta];
}

/** Registers det's fused GroupNorm kernels on the webgpu backend (idempotent). */
export function registerGroupNormKernels(): void {
  for (const [kernelName, kernelFunc] of [[GN_KERNEL, groupNorm], [GN_GRAD_KERNEL, groupNormGrad]] as const) {
    if (tf.getKernel(kernelName, 'webgpu')) continue;
    tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}
