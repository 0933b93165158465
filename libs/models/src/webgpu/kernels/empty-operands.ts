import * as tf from '@tensorflow/tfjs-core';
import { overrideWebGpuKernel, type KernelFunc } from './kernel-override';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { zerosInfo } from './zeros';
import { matMulOutputShape } from '../../kernels/empty-results';

/**
 * tfjs-backend-webgpu's BatchMatMul with an empty operand (K = 0) and a non-empty output returns
 * garbage, and the invalid work it records can take the rest of its submission with it (found by
 * det's op fuzz against cpu, 2026-11-26: the next, valid matMul read wrong too). The product over
 * nothing is zeros, returned without a dispatch.
 */
function emptyOperandMatMul(original: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (tf.util.sizeFromShape(a.shape) > 0 && tf.util.sizeFromShape(b.shape) > 0) return original(args);
    return zerosInfo(args.backend as WebGpuBackendLike, matMulOutputShape(a.shape, b.shape, args.attrs ?? {}));
  };
}

export function registerEmptyOperandMatMul(): void {
  overrideWebGpuKernel('BatchMatMul', emptyOperandMatMul);
}
