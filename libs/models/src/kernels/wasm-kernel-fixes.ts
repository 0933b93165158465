import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel } from './replace-kernel';
import { cpuKernelOnWasm, maxPoolGradHost, resizeBilinearGradHost, resizeNearestGradHost, unsortedSegmentSumHost } from './wasm-host-grads';
import { emptyReduceResult, matMulOutputShape, zeroValues } from './empty-results';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type KernelCall = (args: KernelArgs) => tf.TensorInfo;

const WRAPPED = Symbol('det.wasmKernelFix');

/** Tags a wrapper so that registering the fixes twice does not wrap it again. */
function marked(wrapped: KernelCall): KernelCall {
  (wrapped as unknown as Record<symbol, boolean>)[WRAPPED] = true;
  return wrapped;
}

type WasmBackend = { makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array | Int32Array | Uint8Array): tf.TensorInfo };

/**
 * Two faults of tfjs-backend-wasm 4.22's Conv2D / FusedConv2D, found by det's conv fuzz against
 * the cpu backend (2026-11-26):
 *  - 'same' padding is computed wrongly where a filter is smaller than its stride and
 *    (out − 1)·stride + filter < in (2×2 stride 3 over 9 rows: off by up to 0.7). Explicit padding
 *    is right, so 'same' is handed over as tfjs's own computed amounts.
 *  - an empty output (input narrower than the filter) corrupts wasm memory: disposing it, or any
 *    later tensor, traps with "memory access out of bounds". It is returned without calling in.
 */
function convForwardFix(original: KernelCall): KernelCall {
  const wrapped: KernelCall = (args) => {
    const attrs = args.attrs ?? {};
    if (attrs.dataFormat === 'NCHW') return original(args);
    const x = args.inputs.x as tf.TensorInfo;
    const filter = args.inputs.filter as tf.TensorInfo;
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      attrs.strides as [number, number], attrs.dilations as [number, number], attrs.pad as 'same', attrs.dimRoundingMode as 'round', false, 'channelsLast');
    // the shape as tfjs computes it everywhere (a 0 may be -0, as on the cpu backend)
    if (tf.util.sizeFromShape(info.outShape) === 0) return (args.backend as WasmBackend).makeOutput(info.outShape, x.dtype, undefined, new Float32Array(0));
    if (attrs.pad !== 'same') return original(args);
    const { top, bottom, left, right } = info.padInfo;
    return original({ ...args, attrs: { ...attrs, pad: [[0, 0], [top, bottom], [left, right], [0, 0]] as unknown as tf.NamedAttrMap[string] } });
  };
  return marked(wrapped);
}

/**
 * tfjs-backend-wasm's Conv2DBackpropInput with an empty dy (a conv whose output is empty): dx is
 * zeros, returned without calling into wasm (its kernels are not written for empty operands).
 */
function withEmptyDyZeros(original: KernelCall): KernelCall {
  const wrapped: KernelCall = (args) => {
    const dy = args.inputs.dy as tf.TensorInfo;
    if (tf.util.sizeFromShape(dy.shape) > 0) return original(args);
    const shape = (args.attrs ?? {}).inputShape as number[];
    return (args.backend as WasmBackend).makeOutput(shape, 'float32', undefined, new Float32Array(tf.util.sizeFromShape(shape)));
  };
  return marked(wrapped);
}

/**
 * tfjs-backend-wasm's Sum / Mean of an empty tensor return uninitialised memory (the cpu backend:
 * zeros) — a bias gradient from an empty dy, a loss over zero positives. Zeros of the reduced
 * shape instead (int32 for an int sum), without calling into wasm.
 */
function emptyReduceZeros(kind: 'sum' | 'mean'): (original: KernelCall) => KernelCall {
  return (original) => {
    const wrapped: KernelCall = (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (tf.util.sizeFromShape(x.shape) > 0) return original(args);
      const { shape, dtype } = emptyReduceResult(kind, x, args.attrs ?? {});
      return (args.backend as WasmBackend).makeOutput(shape, dtype, undefined, zeroValues(shape, dtype));
    };
    return marked(wrapped);
  };
}

/** BatchMatMul with an empty operand (K = 0) and a non-empty output: zeros (wasm returned uninitialised memory). */
function emptyOperandMatMulZeros(original: KernelCall): KernelCall {
  const wrapped: KernelCall = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (tf.util.sizeFromShape(a.shape) > 0 && tf.util.sizeFromShape(b.shape) > 0) return original(args);
    const shape = matMulOutputShape(a.shape, b.shape, args.attrs ?? {});
    return (args.backend as WasmBackend).makeOutput(shape, 'float32', undefined, zeroValues(shape));
  };
  return marked(wrapped);
}

/**
 * tfjs-backend-wasm 4.22's Cast to bool converts the number to a byte instead of testing it
 * against 0: 0.25 became false, −2 became 254 (which a later cast or logicalNot carries on) —
 * found by det's integer-op fuzz (testing/int-op-fuzz-cases.ts). x ≠ 0 on the host, from wasm's
 * memory (NaN is true, as on cpu and in PyTorch).
 */
function castToBoolFix(original: KernelCall): KernelCall {
  const wrapped: KernelCall = (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if ((args.attrs ?? {}).dtype !== 'bool' || x.dtype === 'bool') return original(args);
    const b = args.backend as WasmBackend & { readSync(dataId: object): ArrayLike<number> };
    const values = b.readSync(x.dataId);
    const truth = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) truth[i] = values[i] !== 0 ? 1 : 0;
    return b.makeOutput(x.shape, 'bool', undefined, truth);
  };
  return marked(wrapped);
}

/** Installs the fixes over wasm's kernels (idempotent; wasm must be loaded). */
export function registerWasmKernelFixes(): void {
  const fixes: [string, (original: KernelCall) => KernelCall][] = [
    [tf.Conv2D, convForwardFix], [tf.FusedConv2D, convForwardFix], [tf.Conv2DBackpropInput, withEmptyDyZeros],
    [tf.Sum, emptyReduceZeros('sum')], [tf.Mean, emptyReduceZeros('mean')], [tf.BatchMatMul, emptyOperandMatMulZeros],
    [tf.Cast, castToBoolFix],
  ];
  for (const [name, fix] of fixes) {
    const config = tf.getKernel(name, 'wasm');
    if (!config || (config.kernelFunc as unknown as Record<symbol, boolean>)[WRAPPED]) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...config, kernelFunc: fix(config.kernelFunc as unknown as KernelCall) as unknown as tf.KernelFunc });
  }
  // gradients wasm computes wrongly: replaced outright (wasm-host-grads.ts)
  for (const [name, kernelFunc] of [[tf.ResizeNearestNeighborGrad, resizeNearestGradHost], [tf.ResizeBilinearGrad, resizeBilinearGradHost], [tf.MaxPoolGrad, maxPoolGradHost]] as const) {
    replaceKernel(name, 'wasm', kernelFunc);
  }
  // kernels wasm lacks: tfjs-backend-cpu's, run on copies of the inputs, or det's
  const missing: [string, () => unknown][] = [
    [tf.DepthwiseConv2dNativeBackpropInput, () => cpuKernelOnWasm(tf.DepthwiseConv2dNativeBackpropInput)],
    [tf.DepthwiseConv2dNativeBackpropFilter, () => cpuKernelOnWasm(tf.DepthwiseConv2dNativeBackpropFilter)],
    [tf.UnsortedSegmentSum, () => unsortedSegmentSumHost],
    [tf.Einsum, () => cpuKernelOnWasm(tf.Einsum)],
  ];
  for (const [name, make] of missing) {
    const kernelFunc = tf.getKernel(name, 'wasm') ? undefined : make();
    if (kernelFunc) tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}
