import type * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { zeroValues } from '../../kernels/empty-results';

/**
 * A new tensor of zeros (uploaded before its first use, no dispatch): what a kernel returns where
 * an empty input leaves its output unwritten — a gradient from an empty dy, a sum over nothing.
 * Without it the output would be a pooled buffer's stale contents.
 */
export function zerosInfo(backend: WebGpuBackendLike, shape: number[], dtype: 'float32' | 'int32' = 'float32'): tf.TensorInfo {
  return backend.makeTensorInfo(shape, dtype, zeroValues(shape, dtype));
}
