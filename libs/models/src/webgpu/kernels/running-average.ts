import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { ElementwiseProgram } from './elementwise-program';

/**
 * running·keep + stat·(scale·momentum) per element, one dispatch (the op-by-op update is
 * five: three multiplies and an add, plus the unbiasing multiply). keep = 1 − momentum and
 * scale (N/(N−1) for the variance) come as float32 uniforms, as tfjs's scalar operands would.
 */
const RUNNING_AVERAGE = `
  let s = stat[index] * uniforms.scale;
  result[index] = running[index] * uniforms.keep + s * uniforms.momentum;`;

class RunningAverageProgram extends ElementwiseProgram {
  constructor(shape: number[]) { super(shape, ['running', 'stat'], 'detRunningAverage', RUNNING_AVERAGE, 'keep : f32, momentum : f32, scale : f32,'); }
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };

export function runningAverage({ inputs, backend, attrs = {} }: Args): tf.TensorInfo {
  const { running, stat } = inputs;
  const momentum = Number(attrs.momentum);
  const uniforms = [
    { type: 'float32', data: [1 - momentum] }, { type: 'float32', data: [momentum] }, { type: 'float32', data: [Number(attrs.scale ?? 1)] },
  ];
  return (backend as WebGpuBackendLike).runWebGPUProgram(new RunningAverageProgram(running.shape), [running, stat], 'float32', uniforms);
}
