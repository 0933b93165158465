import * as tf from '@tensorflow/tfjs-core';
import { nearestSources } from './nearest-sources';
import { replaceKernel } from './replace-kernel';
import { hostResizeGradKernel } from './resize-grad-kernel';

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

const resizeNearestGradCpu = hostResizeGradKernel(resizeNearestGradValues, 'makeTensorInfo');

/** Replaces the cpu backend's ResizeNearestNeighborGrad (det's native backend copies it). Idempotent. */
export function registerCpuResizeNearestGrad(): void {
  replaceKernel(tf.ResizeNearestNeighborGrad, 'cpu', resizeNearestGradCpu);
}
