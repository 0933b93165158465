import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { ElementwiseProgram } from './elementwise-program';
import { ADD_RELU_KERNEL } from '../../nn/add-relu';

/** relu(a + b) element-wise for same shapes (nn/add-relu.ts), with tfjs's relu expression:
 *  NaN and −0 pass through. */
const ADD_RELU = 'let v = a[index] + b[index]; result[index] = select(v, 0.0, v < 0.0);';

class AddReluProgram extends ElementwiseProgram {
  constructor(shape: number[]) { super(shape, ['a', 'b'], 'detAddRelu', ADD_RELU); }
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown };

export function registerAddReluKernel(): void {
  if (tf.getKernel(ADD_RELU_KERNEL, 'webgpu')) return;
  const kernelFunc = ({ inputs: { a, b }, backend }: Args) =>
    (backend as WebGpuBackendLike).runWebGPUProgram(new AddReluProgram(a.shape), [a, b], 'float32');
  tf.registerKernel({ kernelName: ADD_RELU_KERNEL, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}
