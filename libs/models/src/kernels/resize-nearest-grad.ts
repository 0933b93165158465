import * as tf from '@tensorflow/tfjs-core';
import { nearestSources } from './nearest-sources';

/**
 * The gradient of a nearest-neighbour resize, the adjoint of its forward mapping:
 * dx[n, src(y), src(x), c] += dy[n, y, x, c]. tfjs's stock kernels get it wrong —
 * tfjs-backend-cpu 4.22 (and det's native backend, which inherits it) reads dy at the images'
 * batch stride, so every image after the first gets another image's gradient (det's FPN upsample
 * has long avoided the kernel: nn/upsample.ts), and tfjs-backend-wasm's is wrong even for one
 * image (up to 0.4 on 2×2 → 4×4; found by det's op fuzz, 2026-11-26).
 */
export function resizeNearestGradValues(imagesShape: number[], dyShape: number[], dy: ArrayLike<number>, alignCorners: boolean, halfPixel: boolean): Float32Array {
  const [n, h, w, c] = imagesShape;
  const [, oh, ow] = dyShape;
  const rows = nearestSources(oh, h, alignCorners, halfPixel);
  const cols = nearestSources(ow, w, alignCorners, halfPixel);
  const dx = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const to = ((i * h + rows[y]) * w + cols[x]) * c;
        const from = ((i * oh + y) * ow + x) * c;
        for (let k = 0; k < c; k++) dx[to + k] += dy[from + k];
      }
    }
  }
  return dx;
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };
type CpuLikeBackend = { readSync(dataId: object): ArrayLike<number>; makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo };

function resizeNearestGradCpu({ inputs: { images, dy }, backend, attrs = {} }: Args): tf.TensorInfo {
  const b = backend as CpuLikeBackend;
  const dx = resizeNearestGradValues(images.shape, dy.shape, b.readSync(dy.dataId), Boolean(attrs.alignCorners), Boolean(attrs.halfPixelCenters));
  return b.makeTensorInfo(images.shape, 'float32', dx);
}

/** Replaces the cpu backend's ResizeNearestNeighborGrad (det's native backend copies it). Idempotent. */
export function registerCpuResizeNearestGrad(): void {
  const config = tf.getKernel(tf.ResizeNearestNeighborGrad, 'cpu');
  if (config?.kernelFunc === (resizeNearestGradCpu as unknown)) return;
  if (config) tf.unregisterKernel(tf.ResizeNearestNeighborGrad, 'cpu');
  tf.registerKernel({ kernelName: tf.ResizeNearestNeighborGrad, backendName: 'cpu', kernelFunc: resizeNearestGradCpu as unknown as tf.KernelFunc });
}
