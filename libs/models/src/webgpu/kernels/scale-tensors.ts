import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { ElementwiseProgram } from './elementwise-program';
import { runWithExtraOutputs } from './extra-outputs';
import { writableMarker } from '../shader-hooks';

/**
 * x·scale for up to 4 float32 tensors in one dispatch (docs/contracts.md, "Fused kernels by
 * name"): inputs {x0, x1, …}, attr {scale} → one tensor per input, in order. `@det/runner`'s
 * clipGradNorm scales the gradients with it when their norm is over the limit (4 per dispatch
 * where the ops took one multiply and one scalar upload per gradient). At most 4: the inputs,
 * the outputs past the first (extra outputs) and the result fill a shader's 8 storage buffers.
 */
export const SCALE_TENSORS_KERNEL = 'DetScaleTensors';
const MAX_INPUTS = 4;

/** The largest tensor is `result` (its size sets the grid); each other one is written where index < its length. */
class ScaleTensorsProgram extends ElementwiseProgram {
  constructor(shape: number[], count: number) {
    const extras = Array.from({ length: count - 1 }, (_, k) => `y${k + 1}`);
    const writes = Array.from({ length: count - 1 }, (_, k) =>
      `if (index < uniforms.x${k + 1}Shape) { y${k + 1}[index] = x${k + 1}[index] * uniforms.scale; }`).join('\n      ');
    super(shape, [...Array.from({ length: count }, (_, k) => `x${k}`), ...extras], `detScaleTensors_${count}`, `
      result[index] = x0[index] * uniforms.scale;
      ${writes}`, 'scale : f32,', extras.length ? writableMarker(extras) : '');
  }
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };

function scaleTensors({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo[] {
  const backend = b as WebGpuBackendLike;
  const xs = Object.keys(inputs).sort((p, q) => Number(p.slice(1)) - Number(q.slice(1))).map((k) => inputs[k]);
  if (xs.length === 0 || xs.length > MAX_INPUTS || xs.some((x) => x.dtype !== 'float32')) {
    throw new Error(`${SCALE_TENSORS_KERNEL}: 1 to ${MAX_INPUTS} float32 inputs x0, x1, … (got ${Object.keys(inputs).join(', ')})`);
  }
  // largest first (it sizes the grid); 1-D views so each length is a uniform
  const order = xs.map((_, i) => i).sort((p, q) => tf.util.sizeFromShape(xs[q].shape) - tf.util.sizeFromShape(xs[p].shape));
  const flat = order.map((i) => ({ ...xs[i], shape: [tf.util.sizeFromShape(xs[i].shape)] }));
  const program = new ScaleTensorsProgram(xs[order[0]].shape, xs.length);
  const outs = runWithExtraOutputs(backend, program, flat, order.slice(1).map((i) => xs[i].shape), [{ type: 'float32', data: [Number(attrs.scale)] }]);
  const byInput: tf.TensorInfo[] = [];
  order.forEach((i, k) => { byInput[i] = outs[k]; });
  return byInput;
}

export function registerScaleTensorsKernel(): void {
  if (tf.getKernel(SCALE_TENSORS_KERNEL, 'webgpu')) return;
  tf.registerKernel({ kernelName: SCALE_TENSORS_KERNEL, backendName: 'webgpu', kernelFunc: scaleTensors as unknown as tf.KernelFunc });
}
