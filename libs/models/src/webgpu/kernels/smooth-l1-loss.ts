import * as tf from '@tensorflow/tfjs-core';
import { SMOOTH_L1_GRAD_KERNEL, SMOOTH_L1_KERNEL } from '../../losses/smooth-l1-kernel';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { SmoothL1ElementsProgram, smoothL1ElementLoss } from './smooth-l1-loss-programs';
import { runLossSum } from './loss-sum-programs';

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };

// a uniform, not compiled in: avgFactor changes every step
const divisorOf = (attrs: Record<string, unknown>) => (attrs.reduce ? Number(attrs.divisor ?? 1) : 1);

/** Smooth L1 / L1 (losses/smooth-l1-kernel.ts): the element losses in one dispatch, or their sum / divisor in one or two. */
function smoothL1({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo {
  const backend = b as WebGpuBackendLike;
  const { pred, target } = inputs;
  const beta = Number(attrs.beta);
  if (!attrs.reduce) return backend.runWebGPUProgram(new SmoothL1ElementsProgram(pred.shape, beta, false), [pred, target], 'float32');
  return runLossSum(backend, smoothL1ElementLoss(beta), [pred, target], tf.util.sizeFromShape(pred.shape), divisorOf(attrs));
}

/** ∂loss/∂pred·dy / divisor in one element-wise dispatch. */
function smoothL1Grad({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo {
  const backend = b as WebGpuBackendLike;
  const { pred, target, dy } = inputs;
  const program = new SmoothL1ElementsProgram(pred.shape, Number(attrs.beta), true, tf.util.sizeFromShape(dy.shape) === 1);
  return backend.runWebGPUProgram(program, [pred, target, dy], 'float32', [{ type: 'float32', data: [divisorOf(attrs)] }]);
}

/** Registers the fused smooth L1 / L1 loss and its gradient kernel on webgpu (idempotent). */
export function registerSmoothL1Kernels(): void {
  const kernels: [string, (args: Args) => tf.TensorInfo][] = [[SMOOTH_L1_KERNEL, smoothL1], [SMOOTH_L1_GRAD_KERNEL, smoothL1Grad]];
  for (const [kernelName, kernelFunc] of kernels) {
    if (tf.getKernel(kernelName, 'webgpu')) continue;
    tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}
