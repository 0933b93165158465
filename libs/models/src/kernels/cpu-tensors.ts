import * as tf from '@tensorflow/tfjs-core';

/** The slice of tfjs-backend-cpu's MathBackendCPU that native kernels use: plain typed arrays. */
export interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

// Inputs typed as present: each kernel checks the optional ones (bias, scale, …) itself.
export type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: CpuBackendLike; attrs?: tf.NamedAttrMap };
export type CpuKernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];
/** Looks up the stock cpu kernel a native kernel falls back to when its fast path does not apply. */
export type FallbackLookup = (kernelName: string) => CpuKernelFunc;

/** The tensor's Float32Array, or undefined when it is not plain float32 data on this backend. */
export function f32(backend: CpuBackendLike, t: tf.TensorInfo | undefined): Float32Array | undefined {
  if (!t || t.dtype !== 'float32') return undefined;
  const values = backend.data.get(t.dataId).values;
  return values instanceof Float32Array ? values : undefined;
}

export const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * How an operand of `shape` is read when broadcast to `outShape`, viewed as [rows × cols] with
 * cols = the last output dim: `full` (same shape), `scalar`, `channel` (a vector along the last
 * axis). Undefined for other broadcasts.
 */
export function channelStrides(shape: number[], outShape: number[]): { row: number; col: number } | undefined {
  const cols = outShape.length ? outShape[outShape.length - 1] : 1;
  const size = sizeOf(shape);
  if (size === 1) return { row: 0, col: 0 };
  const padded = [...new Array(Math.max(0, outShape.length - shape.length)).fill(1), ...shape];
  if (padded.length !== outShape.length) return undefined;
  if (padded.every((d, i) => d === outShape[i])) return { row: cols, col: 1 };
  const leadingOnes = padded.slice(0, -1).every((d) => d === 1);
  if (leadingOnes && padded[padded.length - 1] === cols) return { row: 0, col: 1 };
  return undefined;
}

/** A per-channel vector of length `channels` from a scalar, a [C] or a [1,..,1,C] tensor. */
export function channelVector(backend: CpuBackendLike, t: tf.TensorInfo | undefined, channels: number, fill: number): Float32Array | undefined {
  if (!t) return new Float32Array(channels).fill(fill);
  const v = f32(backend, t);
  if (!v) return undefined;
  if (v.length === 1) return new Float32Array(channels).fill(v[0]);
  if (v.length !== channels || t.shape.slice(0, -1).some((d) => d !== 1)) return undefined;
  return v;
}

/** Element strides of a row-major operand of `shape` read at every index of `outShape` (0 where it broadcasts). */
export function broadcastStrides(shape: number[], outShape: number[]): number[] {
  const padded = [...new Array(outShape.length - shape.length).fill(1), ...shape];
  const strides = new Array<number>(outShape.length);
  let step = 1;
  for (let d = outShape.length - 1; d >= 0; --d) {
    strides[d] = padded[d] === 1 && outShape[d] !== 1 ? 0 : step;
    step *= padded[d];
  }
  return strides;
}
