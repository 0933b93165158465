import * as tf from '@tensorflow/tfjs-core';
import { overrideWebGpuKernel, type KernelFunc } from './kernel-override';
import type { WebGpuBackendLike } from './webgpu-backend-like';

/**
 * tfjs-backend-webgpu 4.22's Cumsum with `reverse` returns wrong sums (a reverse cumsum of
 * [5] was off by its largest value), and cumsum's gradient is a reverse cumsum (found by det's
 * shape-op fuzz, testing/shape-op-fuzz-cases.ts, 2026-11-26). A reverse cumsum, exclusive or
 * not, is the forward one of the input reversed along the axis, reversed back: tfjs's own
 * Reverse and forward Cumsum kernels, 3 dispatches.
 */
function cumsumReverse(original: KernelFunc): KernelFunc {
  return (args) => {
    const attrs = args.attrs ?? {};
    if (!attrs.reverse) return original(args);
    const { x } = args.inputs as { x: tf.TensorInfo };
    const backend = args.backend as WebGpuBackendLike;
    const reverse = tf.getKernel('Reverse', 'webgpu')!.kernelFunc as unknown as KernelFunc;
    const axis = ((attrs.axis as number) + x.shape.length) % x.shape.length;
    const flip = (t: tf.TensorInfo) => reverse({ inputs: { x: t }, backend, attrs: { dims: [axis] } }) as tf.TensorInfo;
    const flipped = flip(x);
    try {
      const sums = original({ inputs: { x: flipped }, backend, attrs: { ...attrs, reverse: false } }) as tf.TensorInfo;
      try {
        return flip(sums);
      } finally {
        backend.disposeData(sums.dataId);
      }
    } finally {
      backend.disposeData(flipped.dataId);
    }
  };
}

export function registerCumsumReverse(): void {
  overrideWebGpuKernel('Cumsum', cumsumReverse);
}
