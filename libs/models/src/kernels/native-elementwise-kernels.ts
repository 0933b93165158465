import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon';
import { allocateF32 } from './buffer-pool';
import { type CpuKernelFunc, type FallbackLookup, broadcastStrides, channelStrides, f32, sizeOf } from './cpu-tensors';

/** Binary kernels and their addon op codes (native/src/eltwise.h). */
const BINARY: Record<string, number> = {
  [tf.Add]: 0, [tf.Sub]: 1, [tf.Multiply]: 2, [tf.RealDiv]: 3, [tf.SquaredDifference]: 4, [tf.Maximum]: 5, [tf.Minimum]: 6,
  [tf.Pow]: 10,
};
/** Addon binary op that copies its first operand. */
const BINARY_COPY_FIRST = 9;
const UNARY: Record<string, number> = {
  [tf.Relu]: 0, [tf.Relu6]: 1, [tf.Square]: 2, [tf.Neg]: 3, [tf.Step]: 4, [tf.Sigmoid]: 5, [tf.Exp]: 6, [tf.Log]: 7,
  [tf.Sqrt]: 8, [tf.Rsqrt]: 9, [tf.Abs]: 10, [tf.Log1p]: 11,
};

/**
 * Float32 element-wise kernels: same-shape, scalar and per-channel (last axis) operands take a flat
 * loop, any other broadcast a strided one; plus Tile of a channel vector and Transpose. Other dtypes go to the
 * stock cpu kernel.
 */
export function nativeElementwiseKernels(addon: NativeAddon, fallback: FallbackLookup): tf.KernelConfig[] {
  const configs: tf.KernelConfig[] = [];
  for (const [name, op] of Object.entries(BINARY)) {
    const kernelFunc: CpuKernelFunc = (args) => {
      const { inputs: { a, b }, backend } = args;
      const av = f32(backend, a), bv = f32(backend, b);
      if (!av || !bv) return fallback(name)(args);
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const size = sizeOf(outShape);
      if (size === 0 || outShape.length > 8) return fallback(name)(args);
      const out = allocateF32(backend, size);
      if (name === tf.Pow && bv.length === 1 && (bv[0] === 2 || bv[0] === 1) && av.length === size) {
        // x² (focal loss's γ = 2) as one multiply: float·float is exact in double, so this rounds
        // exactly like Math.pow(x, 2) and skips the much slower pow call. x¹ (the γ = 2 gradient's
        // pow(x, γ - 1)) is a copy.
        if (bv[0] === 2) addon.unary(UNARY[tf.Square], av, 0, out);
        else addon.binary(BINARY_COPY_FIRST, 1, size, av, size, 1, av, size, 1, out);
        return backend.makeTensorInfo(outShape, 'float32', out);
      }
      const sa = channelStrides(a.shape, outShape), sb = channelStrides(b.shape, outShape);
      if (sa && sb) {
        const cols = outShape.length ? outShape[outShape.length - 1] : 1;
        addon.binary(op, size / cols, cols, av, sa.row, sa.col, bv, sb.row, sb.col, out);
      } else {
        addon.binaryBroadcast(op, outShape, av, broadcastStrides(a.shape, outShape), bv, broadcastStrides(b.shape, outShape), out);
      }
      return backend.makeTensorInfo(outShape, 'float32', out);
    };
    configs.push({ kernelName: name, backendName: '', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  for (const [name, op] of Object.entries(UNARY)) {
    const kernelFunc: CpuKernelFunc = (args) => {
      const { inputs: { x }, backend, attrs = {} } = args;
      const xv = f32(backend, x);
      if (!xv || xv.length === 0) return fallback(name)(args);
      const out = allocateF32(backend, xv.length);
      addon.unary(op, xv, Number(attrs.alpha ?? 0), out);
      return backend.makeTensorInfo(x.shape, 'float32', out);
    };
    configs.push({ kernelName: name, backendName: '', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  const tile: CpuKernelFunc = (args) => {
    const { inputs: { x }, backend, attrs = {} } = args;
    const reps = attrs.reps as number[];
    const xv = f32(backend, x);
    const rank = x.shape.length;
    // Fast path: a [1,..,1,C] vector repeated along the leading axes (BatchNorm's gradient does this).
    if (!xv || rank === 0 || reps[rank - 1] !== 1 || x.shape.slice(0, -1).some((d) => d !== 1)) {
      return fallback(tf.Tile)(args);
    }
    const outShape = x.shape.map((d, i) => d * reps[i]);
    const cols = x.shape[rank - 1];
    const out = allocateF32(backend, sizeOf(outShape));
    if (out.length) addon.tileRows(out.length / cols, cols, xv, 1, out);
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
  configs.push({ kernelName: tf.Tile, backendName: '', kernelFunc: tile as unknown as tf.KernelFunc });
  // Transpose: a strided copy (addon op 9 = "first operand") over the permuted input strides.
  const transpose: CpuKernelFunc = (args) => {
    const { inputs: { x }, backend, attrs = {} } = args;
    const perm = attrs.perm as number[];
    const xv = f32(backend, x);
    if (!xv || xv.length === 0 || x.shape.length > 8) return fallback(tf.Transpose)(args);
    const inStrides = broadcastStrides(x.shape, x.shape);
    const outShape = perm.map((p) => x.shape[p]);
    const out = allocateF32(backend, xv.length);
    addon.binaryBroadcast(9, outShape, xv, perm.map((p) => inStrides[p]), xv, outShape.map(() => 0), out);
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
  configs.push({ kernelName: tf.Transpose, backendName: '', kernelFunc: transpose as unknown as tf.KernelFunc });
  return configs;
}
