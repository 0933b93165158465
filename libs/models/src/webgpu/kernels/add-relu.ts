import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike, WebGpuProgramLike } from './webgpu-backend-like';
import { ADD_RELU_KERNEL } from '../../nn/add-relu';

const THREADS = 256;

/** relu(a + b) element-wise for same shapes (nn/add-relu.ts), with tfjs's relu expression. */
class AddReluProgram implements WebGpuProgramLike {
  readonly variableNames = ['a', 'b'];
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly shaderKey = 'detAddRelu';
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
          let v = a[index] + b[index];
          result[index] = select(v, 0.0, v < 0.0); // tfjs's relu: NaN and -0 pass through
        }
      }
    `;
  }
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown };

export function registerAddReluKernel(): void {
  if (tf.getKernel(ADD_RELU_KERNEL, 'webgpu')) return;
  const kernelFunc = ({ inputs: { a, b }, backend }: Args) =>
    (backend as WebGpuBackendLike).runWebGPUProgram(new AddReluProgram(a.shape), [a, b], 'float32');
  tf.registerKernel({ kernelName: ADD_RELU_KERNEL, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}
