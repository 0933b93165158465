import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike, WebGpuProgramLike } from './webgpu-backend-like';
import { RELU_GRAD_KERNEL } from '../../backend/relu-gradient';

const THREADS = 256;

/**
 * The ReLU gradient dy·step(x) as one kernel (tfjs: a Step dispatch, then a Multiply): inputs
 * {dy, x}, output dy·s with s = 1 where x > 0, 0 where x ≤ 0 and NaN where x is NaN — tfjs's
 * step, so the result is the same number for number. x may be the ReLU's input or its output
 * (positive at the same places). Used by det's Relu gradient (backend/relu-gradient.ts).
 */
class ReluGradProgram implements WebGpuProgramLike {
  readonly variableNames = ['dy', 'x'];
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly shaderKey = 'detReluGrad';
  readonly size = true;

  constructor(shape: number[]) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    this.dispatch = [Math.max(1, Math.ceil(tf.util.sizeFromShape(shape) / THREADS)), 1, 1];
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let v = x[index];
          var s = select(0.0, 1.0, v > 0.0);
          if (isnan(v)) { s = uniforms.NAN; }
          result[index] = dy[index] * s;
        }
      }
    `;
  }
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown };

function reluGrad({ inputs, backend }: Args): tf.TensorInfo {
  const { dy, x } = inputs;
  const b = backend as WebGpuBackendLike;
  return b.runWebGPUProgram(new ReluGradProgram(dy.shape), [dy, x], 'float32');
}

export function registerReluGradKernel(): void {
  if (tf.getKernel(RELU_GRAD_KERNEL, 'webgpu')) return;
  tf.registerKernel({ kernelName: RELU_GRAD_KERNEL, backendName: 'webgpu', kernelFunc: reluGrad as unknown as tf.KernelFunc });
}
