import * as tf from '@tensorflow/tfjs-core';

type KernelCall = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => tf.TensorInfo;
type WasmBackend = {
  disposeData(dataId: object): void;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
};

const kernel = (name: string): KernelCall => {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`wasm backend has no '${name}' kernel`);
  return config.kernelFunc as unknown as KernelCall;
};

/**
 * Conv2DBackpropFilter for the wasm backend, which ships none (so conv gradients fail there).
 * The filter gradient is itself a convolution: with channels and batch swapped,
 * dW[c, kh, kw, o] = conv(x as [C, H, W, N], dy as filter [OH, OW, N, O]), stride 1, dilation = the
 * forward stride, padding chosen so the output is exactly KH×KW. It runs on wasm's own fast
 * (XNNPACK) Conv2D and Transpose kernels.
 */
function conv2dBackpropFilterWasm(args: { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { inputs: { x, dy }, backend, attrs = {} } = args;
  const filterShape = attrs.filterShape as [number, number, number, number];
  if (attrs.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter on wasm: only NHWC is supported');
  // an empty dy or x (a conv whose output is empty): dW = 0; wasm's kernels trap on empty operands
  if (tf.util.sizeFromShape(dy.shape) === 0 || tf.util.sizeFromShape(x.shape) === 0) {
    return (backend as WasmBackend).makeOutput(filterShape, 'float32', undefined, new Float32Array(tf.util.sizeFromShape(filterShape)));
  }
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape,
    attrs.strides as number, 1, attrs.pad as 'same', attrs.dimRoundingMode as 'round', false, 'channelsLast');
  const temps: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo) => (temps.push(t), t);
  try {
    let xs = keep(kernel(tf.Transpose)({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } }));
    const ds = keep(kernel(tf.Transpose)({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } }));
    const { top, left } = info.padInfo;
    let bottom = info.filterHeight + (info.outHeight - 1) * info.strideHeight - info.inHeight - top;
    let right = info.filterWidth + (info.outWidth - 1) * info.strideWidth - info.inWidth - left;
    if (bottom < 0 || right < 0) {
      // The forward conv never read the last rows/columns: crop them instead of negative padding.
      const h = info.inHeight + Math.min(0, bottom), w = info.inWidth + Math.min(0, right);
      xs = keep(kernel(tf.Slice)({ inputs: { x: xs }, backend, attrs: { begin: [0, 0, 0, 0], size: [info.inChannels, h, w, info.batchSize] } }));
      bottom = Math.max(0, bottom);
      right = Math.max(0, right);
    }
    const dwT = keep(kernel(tf.Conv2D)({
      inputs: { x: xs, filter: ds }, backend,
      attrs: { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC',
        dilations: [info.strideHeight, info.strideWidth], dimRoundingMode: undefined as unknown as string },
    }));
    return kernel(tf.Transpose)({ inputs: { x: dwT }, backend, attrs: { perm: [1, 2, 0, 3] } });
  } finally {
    for (const t of temps) (backend as WasmBackend).disposeData(t.dataId);
  }
}

/** Registers the kernels the wasm backend lacks for training (idempotent; wasm must be loaded). */
export function registerWasmGradientKernels(): void {
  if (tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')) return;
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: conv2dBackpropFilterWasm as unknown as tf.KernelFunc,
  });
}
