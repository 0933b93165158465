import * as tf from '@tensorflow/tfjs-core';
import { FOCAL_LOSS_GRAD_KERNEL, FOCAL_LOSS_KERNEL, FOCAL_TARGETS_GRAD_KERNEL, FOCAL_TARGETS_KERNEL } from '../../losses/focal-loss-kernel';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import {
  FocalLossElementsProgram, FocalTargetsElementsProgram, focalElementLoss, focalTargetsElementLoss, type FocalParams,
} from './focal-loss-programs';
import { runLossSum } from './loss-sum-programs';

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };

const paramsOf = (attrs: Record<string, unknown>): FocalParams => ({ gamma: Number(attrs.gamma), alpha: Number(attrs.alpha) });
const rowsCols = (pred: tf.TensorInfo): [number, number] => [pred.shape[0], pred.shape[1]];
// a uniform, not compiled in: avgFactor changes every step
const divisorUniform = (attrs: Record<string, unknown>) => [{ type: 'float32', data: [attrs.reduce ? Number(attrs.divisor ?? 1) : 1] }];

/**
 * The sigmoid focal loss from labels (losses/focal-loss-kernel.ts): one element-wise dispatch
 * for the [N,C] losses, or one or two (per-workgroup partial sums, then their sum / divisor) for
 * the scalar total — instead of ~16 tfjs dispatches, a Sum that reduces all N·C elements in one
 * workgroup and a division.
 */
function focalLoss({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo {
  const backend = b as WebGpuBackendLike;
  const { pred, labels, weight } = inputs;
  const params = paramsOf(attrs);
  const shape = rowsCols(pred);
  if (!attrs.reduce) return backend.runWebGPUProgram(new FocalLossElementsProgram(shape, params, false), [pred, labels, weight], 'float32');
  return runLossSum(backend, focalElementLoss(params), [pred, labels, weight], shape[0] * shape[1], Number(attrs.divisor ?? 1));
}

/** ∂loss/∂pred·dy in one element-wise dispatch (dy [N,C], or one element for the summed loss, then / divisor). */
function focalLossGrad({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo {
  const backend = b as WebGpuBackendLike;
  const { pred, labels, weight, dy } = inputs;
  const dyIsScalar = tf.util.sizeFromShape(dy.shape) === 1;
  const program = new FocalLossElementsProgram(rowsCols(pred), paramsOf(attrs), true, dyIsScalar);
  return backend.runWebGPUProgram(program, [pred, labels, weight, dy], 'float32', divisorUniform(attrs));
}

/** The [N,C]-target form: element losses in one dispatch, or their sum / divisor in one or two. */
function focalTargets({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo {
  const backend = b as WebGpuBackendLike;
  const { pred, target } = inputs;
  const params = paramsOf(attrs);
  if (!attrs.reduce) return backend.runWebGPUProgram(new FocalTargetsElementsProgram(pred.shape, params, 'loss'), [pred, target], 'float32');
  return runLossSum(backend, focalTargetsElementLoss(params), [pred, target], tf.util.sizeFromShape(pred.shape), Number(attrs.divisor ?? 1));
}

/** ∂loss/∂pred (or ∂/∂target, attr wrt) · dy in one element-wise dispatch. */
function focalTargetsGrad({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo {
  const backend = b as WebGpuBackendLike;
  const { pred, target, dy } = inputs;
  const mode = attrs.wrt === 'target' ? 'gradTarget' : 'gradPred';
  const program = new FocalTargetsElementsProgram(pred.shape, paramsOf(attrs), mode, tf.util.sizeFromShape(dy.shape) === 1);
  return backend.runWebGPUProgram(program, [pred, target, dy], 'float32', divisorUniform(attrs));
}

/** Registers the fused focal losses (labels; [N,C] targets) and their gradient kernels on webgpu (idempotent). */
export function registerFocalLossKernels(): void {
  const kernels: [string, (args: Args) => tf.TensorInfo][] = [
    [FOCAL_LOSS_KERNEL, focalLoss], [FOCAL_LOSS_GRAD_KERNEL, focalLossGrad],
    [FOCAL_TARGETS_KERNEL, focalTargets], [FOCAL_TARGETS_GRAD_KERNEL, focalTargetsGrad],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    if (tf.getKernel(kernelName, 'webgpu')) continue;
    tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}
