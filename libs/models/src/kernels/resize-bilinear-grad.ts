import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel } from './replace-kernel';
import { hostResizeGradKernel } from './resize-grad-kernel';

/**
 * The gradient of a bilinear resize, the adjoint of tfjs's forward mapping. tfjs-backend-cpu
 * 4.22's kernel (and det's native backend, which copies it) returns dx with height and width
 * swapped — every non-square input failed in backprop — and ignores `halfPixelCenters`, so the
 * square ones got the wrong gradient with it (found by det's shape-op fuzz,
 * testing/shape-op-fuzz-cases.ts, 2026-11-26).
 */

/** Per output index: the two source indices and the weight of the second, as the forward computes them. */
export function bilinearTaps(outSize: number, inSize: number, alignCorners: boolean, halfPixel: boolean): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const ratio = (alignCorners && outSize > 1 ? inSize - 1 : inSize) / (alignCorners && outSize > 1 ? outSize - 1 : outSize);
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const source = halfPixel ? ratio * (i + 0.5) - 0.5 : ratio * i;
    lo[i] = Math.max(0, Math.floor(source));
    hi[i] = Math.min(inSize - 1, Math.ceil(source));
    frac[i] = source - lo[i];
  }
  return { lo, hi, frac };
}

export function resizeBilinearGradValues(imagesShape: number[], dyShape: number[], dy: ArrayLike<number>, alignCorners: boolean, halfPixel: boolean): Float32Array {
  const [n, h, w, c] = imagesShape;
  const [, oh, ow] = dyShape;
  const rows = bilinearTaps(oh, h, alignCorners, halfPixel);
  const cols = bilinearTaps(ow, w, alignCorners, halfPixel);
  const dx = new Float64Array(n * h * w * c);
  const at = (i: number, y: number, x: number) => ((i * h + y) * w + x) * c;
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < oh; y++) {
      const [top, bottom, fy] = [rows.lo[y], rows.hi[y], rows.frac[y]];
      for (let x = 0; x < ow; x++) {
        const [left, right, fx] = [cols.lo[x], cols.hi[x], cols.frac[x]];
        const from = ((i * oh + y) * ow + x) * c;
        const [tl, tr, bl, br] = [at(i, top, left), at(i, top, right), at(i, bottom, left), at(i, bottom, right)];
        for (let k = 0; k < c; k++) {
          const g = dy[from + k];
          dx[tl + k] += g * (1 - fy) * (1 - fx);
          dx[tr + k] += g * (1 - fy) * fx;
          dx[bl + k] += g * fy * (1 - fx);
          dx[br + k] += g * fy * fx;
        }
      }
    }
  }
  return Float32Array.from(dx);
}

const resizeBilinearGradCpu = hostResizeGradKernel(resizeBilinearGradValues, 'makeTensorInfo');

/** Replaces the cpu backend's ResizeBilinearGrad (det's native backend copies it). Idempotent. */
export function registerCpuResizeBilinearGrad(): void {
  replaceKernel(tf.ResizeBilinearGrad, 'cpu', resizeBilinearGradCpu);
}
