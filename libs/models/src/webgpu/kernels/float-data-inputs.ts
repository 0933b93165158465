import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { ElementwiseProgram } from './elementwise-program';

/**
 * tfjs-backend-webgpu casts int32 and bool to float32 without converting anything: the new
 * tensor is a view of the i32 buffer (`hasEncodingLoss` is false), and a program binds each
 * buffer as the type of its data. tfjs's own programs read through converting getters; det's
 * index their buffers directly, so a float32 tensor made by `tf.cast` of a mask or a one-hot
 * (`f32 * i32`) fails to compile — and a failed dispatch leaves its output stale: the focal loss
 * from int one-hot targets read 0. det's kernels therefore get such inputs converted first: one
 * small dispatch, only for those inputs.
 */
class ToFloatProgram extends ElementwiseProgram {
  constructor(shape: number[]) {
    super(shape, ['x'], 'detToFloat', 'result[index] = f32(x[index]);');
  }
}

type Inputs = Record<string, tf.TensorInfo> | tf.TensorInfo[];
type KernelArgs = { inputs: Inputs; backend: unknown; attrs?: Record<string, unknown> };
type KernelFunction = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];
type DataDtypes = { tensorMap: { get(dataId: object): { dtype: tf.DataType } | undefined } };

const WRAPPED = Symbol('det.floatDataInputs');

/**
 * `kernelFunc` with every float32 input whose buffer holds int32 / bool data converted first
 * (inputs as a record, or as an array: AddN). A converted copy the kernel returns is kept.
 */
export function withFloatDataInputs<F extends KernelFunction>(kernelFunc: F): F {
  if ((kernelFunc as unknown as Record<symbol, boolean>)[WRAPPED]) return kernelFunc;
  const wrapped = (args: KernelArgs) => {
    const backend = args.backend as WebGpuBackendLike & DataDtypes;
    // optional inputs are passed as undefined (FusedConv2D's bias, preluActivationWeights)
    const castView = (t: tf.TensorInfo | undefined) => t != null && t.dtype === 'float32' && (backend.tensorMap.get(t.dataId)?.dtype ?? 'float32') !== 'float32';
    // every kernel call passes here: look without allocating, convert only where needed
    let any = false;
    for (const name in args.inputs) if (castView((args.inputs as Record<string, tf.TensorInfo>)[name])) { any = true; break; }
    if (!any) return kernelFunc(args);
    const converted: tf.TensorInfo[] = [];
    const asFloat = (t: tf.TensorInfo): tf.TensorInfo => {
      if (!castView(t)) return t;
      const copy = backend.runWebGPUProgram(new ToFloatProgram(t.shape), [t], 'float32');
      converted.push(copy);
      return copy;
    };
    const inputs = Array.isArray(args.inputs)
      ? args.inputs.map(asFloat)
      : Object.fromEntries(Object.entries(args.inputs).map(([name, t]) => [name, asFloat(t)]));
    let result: tf.TensorInfo | tf.TensorInfo[] | undefined;
    try {
      result = kernelFunc({ ...args, inputs });
      return result;
    } finally {
      const returned = new Set((Array.isArray(result) ? result : result ? [result] : []).map((t) => t.dataId));
      for (const t of converted) if (!returned.has(t.dataId)) backend.disposeData(t.dataId);
    }
  };
  (wrapped as unknown as Record<symbol, boolean>)[WRAPPED] = true;
  return wrapped as F;
}

/** Wraps every webgpu kernel named `Det…` (det's own) with `withFloatDataInputs`. Idempotent. */
export function convertFloatDataInputsOfDetKernels(): void {
  for (const config of tf.getKernelsForBackend('webgpu')) {
    if (!config.kernelName.startsWith('Det')) continue;
    const kernelFunc = withFloatDataInputs(config.kernelFunc as unknown as KernelFunction);
    if (kernelFunc === (config.kernelFunc as unknown)) continue;
    tf.unregisterKernel(config.kernelName, 'webgpu');
    tf.registerKernel({ ...config, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}
