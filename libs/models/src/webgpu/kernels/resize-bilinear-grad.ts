import { overrideWebGpuKernel } from './kernel-override';
import { ElementwiseProgram } from './elementwise-program';
import { resizeGradKernel } from './host-tables';
import { bilinearTaps } from '../../kernels/resize-bilinear-grad';

/**
 * The bilinear resize gradient as a gather, the adjoint of tfjs's forward mapping
 * (kernels/resize-bilinear-grad.ts): the resize is separable, so per source row the host lists
 * the output rows that read it with their weights (the same for columns), and one thread per dx
 * value sums wy·wx·dy over those pairs — no atomics, a fixed order. tfjs-backend-webgpu 4.22's
 * kernel ignored halfPixelCenters and got alignCorners wrong over one-pixel inputs (found by
 * det's shape-op fuzz, testing/shape-op-fuzz-cases.ts, 2026-11-26).
 */
class ResizeBilinearGradProgram extends ElementwiseProgram {
  constructor(xShape: number[], dyShape: number[]) {
    const [, h, w, c] = xShape;
    const [, oh, ow] = dyShape;
    super(xShape, ['dy', 'rowStart', 'rowFrom', 'rowWeight', 'colStart', 'colFrom', 'colWeight'], `detResizeBilinearGrad_${xShape.join('x')}_${oh}x${ow}`, `
      let k = index % ${c};
      let col = (index / ${c}) % ${w};
      let row = (index / ${c * w}) % ${h};
      let n = index / ${c * w * h};
      var s = 0.0;
      for (var i = rowStart[row]; i < rowStart[row + 1]; i = i + 1) {
        var t = 0.0;
        for (var j = colStart[col]; j < colStart[col + 1]; j = j + 1) {
          t = t + colWeight[j] * dy[((n * ${oh} + rowFrom[i]) * ${ow} + colFrom[j]) * ${c} + k];
        }
        s = s + rowWeight[i] * t;
      }
      result[index] = s;`);
  }
}

/** CSR lists per source index: which outputs read it (`from`) and with which weight. */
function transposedTaps(outSize: number, inSize: number, alignCorners: boolean, halfPixel: boolean): [Int32Array, Int32Array, Float32Array] {
  const { lo, hi, frac } = bilinearTaps(outSize, inSize, alignCorners, halfPixel);
  const lists: [number, number][][] = Array.from({ length: inSize }, () => []);
  for (let o = 0; o < outSize; o++) {
    lists[lo[o]].push([o, 1 - frac[o]]);
    lists[hi[o]].push([o, frac[o]]);
  }
  const start = new Int32Array(inSize + 1);
  lists.forEach((l, i) => { start[i + 1] = start[i] + l.length; });
  const flat = lists.flat();
  return [start, Int32Array.from(flat, ([o]) => o), Float32Array.from(flat, ([, wgt]) => wgt)];
}

const resizeBilinearGrad = resizeGradKernel((images, dy, align, half) => [
  new ResizeBilinearGradProgram(images.shape, dy.shape),
  [...transposedTaps(dy.shape[1], images.shape[1], align, half), ...transposedTaps(dy.shape[2], images.shape[2], align, half)],
]);

export function registerResizeBilinearGrad(): void {
  overrideWebGpuKernel('ResizeBilinearGrad', resizeBilinearGrad);
}
