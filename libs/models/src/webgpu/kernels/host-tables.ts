import type * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike, WebGpuProgramLike } from './webgpu-backend-like';
import type { KernelFunc } from './kernel-override';

/**
 * Runs `program` on `inputs` followed by small host-computed index / weight tables, uploaded for
 * this call (int32 or float32 by their array type) and freed after it: the resize gradients'
 * gather tables.
 */
export function runWithHostTables(backend: WebGpuBackendLike, program: WebGpuProgramLike, inputs: tf.TensorInfo[], tables: (Int32Array | Float32Array)[]): tf.TensorInfo {
  const uploaded = tables.map((t) => backend.makeTensorInfo([t.length], t instanceof Float32Array ? 'float32' : 'int32', t));
  try {
    return backend.runWebGPUProgram(program, [...inputs, ...uploaded], 'float32');
  } finally {
    for (const t of uploaded) backend.disposeData(t.dataId);
  }
}

type ResizeGradBuild = (images: tf.TensorInfo, dy: tf.TensorInfo, alignCorners: boolean, halfPixel: boolean) => [WebGpuProgramLike, (Int32Array | Float32Array)[]];

/**
 * A resize-gradient override (nearest, bilinear): NHWC float32 dy runs `build`'s gather program
 * over its host tables; anything else goes to tfjs's kernel.
 */
export function resizeGradKernel(build: ResizeGradBuild): (original: KernelFunc) => KernelFunc {
  return (original) => (args) => {
    const { images, dy } = args.inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
    if (images.shape.length !== 4 || dy.dtype !== 'float32') return original(args);
    const attrs = args.attrs ?? {};
    const [program, tables] = build(images, dy, Boolean(attrs.alignCorners), Boolean(attrs.halfPixelCenters));
    return runWithHostTables(args.backend as WebGpuBackendLike, program, [dy], tables);
  };
}
