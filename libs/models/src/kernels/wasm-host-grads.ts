import * as tf from '@tensorflow/tfjs-core';
import { resizeNearestGradValues } from './resize-nearest-grad';
import { resizeBilinearGradValues } from './resize-bilinear-grad';
import { hostResizeGradKernel } from './resize-grad-kernel';

// Kernels tfjs-backend-wasm 4.22 gets wrong or lacks, computed on the host from wasm's memory (found by
// det's op fuzz against the cpu backend, 2026-11-26):
//  - ResizeNearestNeighborGrad (resize-nearest-grad.ts);
//  - ResizeBilinearGrad ignored halfPixelCenters (resize-bilinear-grad.ts; shape-op fuzz);
//  - MaxPoolGrad with asymmetric ('same') padding dropped the gradient of windows that overhang.
// The gradients are the adjoints of the forward mappings, as the cpu backend's are.

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };
type WasmBackend = {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): tf.TensorInfo;
};

/** The adjoints of the forward mappings (resize-nearest-grad.ts, resize-bilinear-grad.ts). */
export const resizeNearestGradHost = hostResizeGradKernel(resizeNearestGradValues, 'makeOutput');
export const resizeBilinearGradHost = hostResizeGradKernel(resizeBilinearGradValues, 'makeOutput');

/**
 * A kernel tfjs-backend-wasm 4.22 does not have, run by tfjs-backend-cpu: the inputs are copied
 * from wasm's memory into the cpu backend, its kernel runs there (composite kernels included:
 * Einsum calls Transpose, Multiply, Sum), the outputs are copied back and the cpu copies freed.
 * For the depthwise convolution gradients (a MobileNet-style plugin backbone could not train on
 * wasm: "Kernel 'DepthwiseConv2dNativeBackpropInput' not registered") and Einsum
 * (tf.image.rgbToGrayscale uses it); found by det's shape-op fuzz, 2026-11-26. Undefined where
 * the cpu backend lacks the kernel too.
 */
export function cpuKernelOnWasm(name: string): ((args: Args) => tf.TensorInfo | tf.TensorInfo[]) | undefined {
  const kernel = tf.getKernel(name, 'cpu');
  if (!kernel) return undefined;
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as WasmBackend;
    const cpu = tf.engine().findBackend('cpu') as tf.KernelBackend;
    const copies: tf.TensorInfo[] = [];
    const toCpu = (t: tf.TensorInfo): tf.TensorInfo => {
      const copy = { dataId: cpu.write(wasm.readSync(t.dataId) as tf.backend_util.BackendValues, t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
      copies.push(copy);
      return copy;
    };
    try {
      const cpuInputs = Array.isArray(inputs) ? (inputs as tf.TensorInfo[]).map(toCpu) : Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, toCpu(t)]));
      const out = kernel.kernelFunc({ inputs: cpuInputs as tf.NamedTensorInfoMap, backend: cpu, attrs: attrs as tf.NamedAttrMap });
      const outs = Array.isArray(out) ? out : [out];
      copies.push(...outs);
      const results = outs.map((o) => wasm.makeOutput(o.shape, o.dtype, undefined, cpu.readSync(o.dataId) as tf.backend_util.BackendValues));
      return Array.isArray(out) ? results : results[0];
    } finally {
      for (const t of copies) cpu.disposeData(t.dataId);
    }
  };
}

/**
 * UnsortedSegmentSum, which tfjs-backend-wasm 4.22 lacks — and which tf.gather's gradient uses,
 * so any gather in a trained graph failed on wasm (det's own heads use `gatherRowsWithGrad`):
 * out[id] += x[i] over the rows i of x (the leading segmentIds.rank dimensions), ids outside
 * [0, numSegments) dropped, as the cpu backend.
 */
export function unsortedSegmentSumHost({ inputs, backend, attrs = {} }: Args): tf.TensorInfo {
  const { x, segmentIds } = inputs;
  const b = backend as WasmBackend;
  const numSegments = Number(attrs.numSegments);
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const rowSize = rowShape.reduce((p, q) => p * q, 1);
  const ids = b.readSync(segmentIds.dataId);
  const xs = b.readSync(x.dataId);
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * rowSize) : new Float32Array(numSegments * rowSize);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= numSegments) continue;
    for (let k = 0; k < rowSize; k++) out[id * rowSize + k] += xs[i * rowSize + k];
  }
  return b.makeOutput([numSegments, ...rowShape], x.dtype, undefined, out);
}

/** dx[argmax of each window] += dy; the first maximum in window order (strict >), padding skipped, as the cpu backend. */
export function maxPoolGradHost({ inputs, backend, attrs = {} }: Args): tf.TensorInfo {
  const { dy, input } = inputs;
  const b = backend as WasmBackend;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize as [number, number],
    attrs.strides as [number, number], 1, attrs.pad as 'same', attrs.dimRoundingMode as 'round');
  const x = b.readSync(input.dataId);
  const g = b.readSync(dy.dataId);
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const dx = new Float32Array(batchSize * H * W * C);
  for (let i = 0; i < batchSize; i++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let d = 0; d < C; d++) {
          let best = -Infinity;
          let at = -1;
          for (let wy = 0; wy < info.effectiveFilterHeight; wy += info.dilationHeight) {
            const yy = oy * strideHeight - top + wy;
            if (yy < 0 || yy >= H) continue;
            for (let wx = 0; wx < info.effectiveFilterWidth; wx += info.dilationWidth) {
              const xx = ox * strideWidth - left + wx;
              if (xx < 0 || xx >= W) continue;
              const index = ((i * H + yy) * W + xx) * C + d;
              if (x[index] > best) { best = x[index]; at = index; }
            }
          }
          if (at >= 0) dx[at] += g[((i * OH + oy) * OW + ox) * C + d];
        }
      }
    }
  }
  return b.makeOutput(input.shape, 'float32', undefined, dx);
}
