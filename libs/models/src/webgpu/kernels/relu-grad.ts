import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { ElementwiseProgram } from './elementwise-program';
import { RELU_GRAD_KERNEL } from '../../backend/relu-gradient';

/**
 * The ReLU gradient dy·step(x) as one kernel (tfjs: a Step dispatch, then a Multiply): inputs
 * {dy, x}, output dy·s with s = 1 where x > 0, 0 where x ≤ 0 and NaN where x is NaN — tfjs's
 * step, so the result is the same number for number. x may be the ReLU's input or its output
 * (positive at the same places). Used by det's Relu gradient (backend/relu-gradient.ts).
 */
const RELU_GRAD = `
  let v = x[index];
  var s = select(0.0, 1.0, v > 0.0);
  if (isnan(v)) { s = uniforms.NAN; }
  result[index] = dy[index] * s;`;

// named subclasses keep dispatch listings (bench, specs) readable
class ReluGradProgram extends ElementwiseProgram {
  constructor(shape: number[]) { super(shape, ['dy', 'x'], 'detReluGrad', RELU_GRAD); }
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown };

export function registerReluGradKernel(): void {
  if (tf.getKernel(RELU_GRAD_KERNEL, 'webgpu')) return;
  const kernelFunc = ({ inputs: { dy, x }, backend }: Args) =>
    (backend as WebGpuBackendLike).runWebGPUProgram(new ReluGradProgram(dy.shape), [dy, x], 'float32');
  tf.registerKernel({ kernelName: RELU_GRAD_KERNEL, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}
