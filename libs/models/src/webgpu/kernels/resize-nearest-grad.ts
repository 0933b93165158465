import { overrideWebGpuKernel } from './kernel-override';
import { ElementwiseProgram } from './elementwise-program';
import { resizeGradKernel } from './host-tables';
import { nearestSources } from '../../kernels/nearest-sources';

/**
 * The nearest-neighbour resize gradient as a gather: the output rows (columns) a source row
 * (column) feeds form one contiguous range, since the forward's source index never decreases, so
 * dx[n, r, c, k] = Σ dy[n, y, x, k] over y ∈ [ys[r], ye[r]), x ∈ [xs[c], xe[c]) — one thread per dx
 * value, no atomics, the host adjoint's summation order (kernels/resize-nearest-grad.ts).
 * tfjs-backend-webgpu's own kernel disagreed with that adjoint for non-integer scales, alignCorners
 * and half-pixel centres (found by det's op fuzz, 2026-11-26).
 */
class ResizeNearestGradProgram extends ElementwiseProgram {
  constructor(xShape: number[], dyShape: number[]) {
    const [, h, w, c] = xShape;
    const [, oh, ow] = dyShape;
    super(xShape, ['dy', 'ys', 'ye', 'xs', 'xe'], `detResizeNearestGrad_${xShape.join('x')}_${oh}x${ow}`, `
      let k = index % ${c};
      let col = (index / ${c}) % ${w};
      let row = (index / ${c * w}) % ${h};
      let n = index / ${c * w * h};
      var s = 0.0;
      for (var y = ys[row]; y < ye[row]; y = y + 1) {
        for (var x = xs[col]; x < xe[col]; x = x + 1) {
          s = s + dy[((n * ${oh} + y) * ${ow} + x) * ${c} + k];
        }
      }
      result[index] = s;`);
  }
}

/** [start, end) of the outputs each source index feeds. */
function ranges(outSize: number, inSize: number, alignCorners: boolean, halfPixel: boolean): [Int32Array, Int32Array] {
  const src = nearestSources(outSize, inSize, alignCorners, halfPixel);
  const start = new Int32Array(inSize).fill(0);
  const end = new Int32Array(inSize).fill(0);
  for (let i = outSize - 1; i >= 0; i--) start[src[i]] = i;
  for (let i = 0; i < outSize; i++) end[src[i]] = i + 1;
  return [start, end];
}

const resizeNearestGrad = resizeGradKernel((images, dy, align, half) => [
  new ResizeNearestGradProgram(images.shape, dy.shape),
  [...ranges(dy.shape[1], images.shape[1], align, half), ...ranges(dy.shape[2], images.shape[2], align, half)],
]);

export function registerResizeNearestGrad(): void {
  overrideWebGpuKernel('ResizeNearestNeighborGrad', resizeNearestGrad);
}
