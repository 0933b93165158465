import * as tf from '@tensorflow/tfjs-core';
import { BN_TRAIN_GRAD_KERNEL, BN_TRAIN_KERNEL, RUNNING_AVERAGES_KERNEL } from '../../nn/batch-norm-train';
import { runningAverages } from './running-averages';
import { BN_RELU_KERNEL } from '../../nn/batch-norm-relu';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { BatchNormApplyProgram, BatchNormInputGradProgram, ChannelFinalizeProgram, ChannelSumsProgram, channelLayout, finalizeChannels, type ChannelSumsKind } from './batch-norm-programs';

// Enough workgroups to fill a large GPU; every lane still reads a few dozen rows per split.
const TARGET_WORKGROUPS = 1024;
const MAX_SPLITS = 1024;

export function channelSplits(rows: number, cols: number): number {
  const { colsPerGroup, lanes } = channelLayout(cols);
  const colGroups = Math.ceil(cols / colsPerGroup);
  return Math.max(1, Math.min(Math.ceil(TARGET_WORKGROUPS / colGroups), Math.ceil(rows / (lanes * 16)), MAX_SPLITS));
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };

/** An NHWC tensor as rows × channels (channels last). */
export function channelView(x: tf.TensorInfo): { rows: number; cols: number } {
  const cols = x.shape[x.shape.length - 1];
  return { rows: tf.util.sizeFromShape(x.shape) / cols, cols };
}

function sums(backend: WebGpuBackendLike, kind: ChannelSumsKind, inputs: tf.TensorInfo[], rows: number, cols: number): { partial: tf.TensorInfo; splits: number } {
  const splits = channelSplits(rows, cols);
  return { partial: backend.runWebGPUProgram(new ChannelSumsProgram(rows, cols, splits, kind), inputs, 'float32'), splits };
}

/** y (+ReLU), mean and biased variance over all but the last axis. */
function train({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo[] {
  const backend = b as WebGpuBackendLike;
  const { x, scale, offset } = inputs;
  const { rows, cols } = channelView(x);
  const { partial, splits } = sums(backend, 'stats', [x], rows, cols);
  const [mean, variance] = finalizeChannels(backend, new ChannelFinalizeProgram(rows, cols, splits, ['mean', 'variance']), { partial, x });
  backend.disposeData(partial.dataId);
  const program = new BatchNormApplyProgram(x.shape, cols, Number(attrs.varianceEpsilon), Boolean(attrs.relu));
  const y = backend.runWebGPUProgram(program, [x, mean, variance, scale, offset], 'float32');
  return [y, mean, variance];
}

/** relu(BatchNorm) with given statistics (eval / frozen BN): the apply pass alone. */
function givenStatsRelu({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo {
  const { x, mean, variance, scale, offset } = inputs;
  const cols = x.shape[x.shape.length - 1];
  const program = new BatchNormApplyProgram(x.shape, cols, Number(attrs.varianceEpsilon), true);
  return (b as WebGpuBackendLike).runWebGPUProgram(program, [x, mean, variance, scale, offset], 'float32');
}

function grad({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo[] {
  const backend = b as WebGpuBackendLike;
  const { x, dy, mean, variance, scale, y } = inputs;
  const relu = Boolean(attrs.relu);
  const eps = Number(attrs.varianceEpsilon);
  const { rows, cols } = channelView(x);
  const { partial, splits } = sums(backend, relu ? 'grad-relu' : 'grad', relu ? [x, dy, mean, y] : [x, dy, mean], rows, cols);
  const [coef, dGamma, dBeta] = finalizeChannels(backend, new ChannelFinalizeProgram(rows, cols, splits, ['dxCoef', 'dGamma', 'dBeta'], eps),
    { partial, mean, variance, gamma: scale });
  backend.disposeData(partial.dataId);
  const dx = backend.runWebGPUProgram(new BatchNormInputGradProgram(x.shape, cols, relu), [x, dy, coef, ...(relu ? [y] : [])], 'float32');
  backend.disposeData(coef.dataId);
  return [dx, dGamma, dBeta];
}

/** Registers det's fused training BatchNorm kernels on the webgpu backend (idempotent). */
export function registerBatchNormTrainKernels(): void {
  const kernels: [string, (args: Args) => tf.TensorInfo | tf.TensorInfo[]][] = [
    [BN_TRAIN_KERNEL, train], [BN_TRAIN_GRAD_KERNEL, grad], [RUNNING_AVERAGES_KERNEL, runningAverages], [BN_RELU_KERNEL, givenStatsRelu],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    if (tf.getKernel(kernelName, 'webgpu')) continue;
    tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}
