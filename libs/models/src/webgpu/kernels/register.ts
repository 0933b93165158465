import * as tf from '@tensorflow/tfjs-core';
import { registerChainedAddN } from './add-n';
import { registerSplitKFilterGrad } from './conv2d-filter-grad';

/** Kernels det replaces on the webgpu backend, by tfjs kernel name. */
export const DET_WEBGPU_KERNELS = ['AddN', 'Conv2DBackpropFilter'] as const;

/**
 * Installs det's webgpu kernels and flags. Must run after tfjs-backend-webgpu has registered its
 * kernels (i.e. after it was required) and may run again (idempotent).
 */
export function registerWebGpuKernels(): string[] {
  registerChainedAddN();
  registerSplitKFilterGrad();
  // tfjs defaults Conv2DBackpropInput to a naive one-thread-per-input-element shader; its
  // implicit-GEMM variant (Conv2DDerInputMMProgram) exists but is off by default. det's specs
  // check it against the cpu backend.
  tf.env().set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', false);
  return [...DET_WEBGPU_KERNELS, 'Conv2DBackpropInput (flag WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE=false)'];
}
