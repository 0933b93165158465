import type * as tf from '@tensorflow/tfjs-core';

/** dx of a resize from the host's dy values: the adjoint of the forward mapping (nearest, bilinear). */
export type ResizeGradValues = (imagesShape: number[], dyShape: number[], dy: ArrayLike<number>, alignCorners: boolean, halfPixel: boolean) => Float32Array;

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };
type HostBackend = { readSync(dataId: object): ArrayLike<number> };

/**
 * A resize-gradient kernel for a backend whose tensors live in host memory: reads dy, computes
 * dx with `values` and hands it to `output` (cpu / native: makeTensorInfo; wasm: makeOutput).
 */
export function hostResizeGradKernel(values: ResizeGradValues, output: 'makeTensorInfo' | 'makeOutput'): (args: Args) => tf.TensorInfo {
  return ({ inputs: { images, dy }, backend, attrs = {} }) => {
    const b = backend as HostBackend & Record<typeof output, (...a: unknown[]) => tf.TensorInfo>;
    const dx = values(images.shape, dy.shape, b.readSync(dy.dataId), Boolean(attrs.alignCorners), Boolean(attrs.halfPixelCenters));
    return output === 'makeTensorInfo' ? b.makeTensorInfo(images.shape, 'float32', dx) : b.makeOutput(images.shape, 'float32', undefined, dx);
  };
}
