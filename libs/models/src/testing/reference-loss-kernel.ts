import type * as tf from '@tensorflow/tfjs-core';

/** The cpu backend as a reference kernel sees it. */
interface CpuBackendLike {
  data: { get(id: object): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
}
type CpuArgs = { inputs: Record<string, tf.TensorInfo>; backend: CpuBackendLike; attrs: Record<string, unknown> };

/** Element i's loss and its gradient (w.r.t. the input the gradient kernel is asked for), from the inputs' values. */
export type ReferenceElement = (i: number, values: Record<string, ArrayLike<number>>, attrs: Record<string, unknown>) => { loss: number; grad: number };

/**
 * A float64 cpu kernel for one of det's fused losses (the analytic forward or gradient its webgpu
 * shaders compute), to register on cpu so the fused-kernel path of a loss can be checked against
 * its op-by-op form without a GPU. The fused losses' shared contract: inputs named as the kernel
 * names them, `pred` giving the output shape; attrs `reduce` (the total / `divisor` as a scalar)
 * for the forward; for the gradient, `dy` (pred's shape, or one element) times 1 / divisor.
 */
export function referenceLossKernel(grad: boolean, element: ReferenceElement): tf.KernelFunc {
  const kernel = ({ inputs, backend, attrs }: CpuArgs): tf.TensorInfo => {
    const values: Record<string, ArrayLike<number>> = {};
    for (const [name, t] of Object.entries(inputs)) values[name] = backend.data.get(t.dataId).values;
    const dy = grad ? values.dy : undefined;
    const divisor = attrs.reduce ? Number(attrs.divisor ?? 1) : 1;
    const count = values.pred.length;
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const r = element(i, values, attrs);
      out[i] = dy ? r.grad * (dy[dy.length === 1 ? 0 : i] / divisor) : r.loss;
    }
    if (!grad && attrs.reduce) return backend.makeTensorInfo([], 'float32', Float32Array.of(out.reduce((a, b) => a + b, 0) / divisor));
    return backend.makeTensorInfo(inputs.pred.shape, 'float32', Float32Array.from(out));
  };
  return kernel as unknown as tf.KernelFunc;
}
