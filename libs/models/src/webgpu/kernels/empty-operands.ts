import * as tf from '@tensorflow/tfjs-core';
import { overrideWebGpuKernel, type KernelFunc } from './kernel-override';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { zerosInfo } from './zeros';

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
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    const m = attrs.transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
    const n = attrs.transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    const batch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    return zerosInfo(args.backend as WebGpuBackendLike, [...batch, m, n]);
  };
}

export function registerEmptyOperandMatMul(): void {
  overrideWebGpuKernel('BatchMatMul', emptyOperandMatMul);
}
