import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike, WebGpuProgramLike } from './webgpu-backend-like';

const THREADS = 64;

/**
 * running·keep + stat·(scale·momentum) per element, one dispatch (the op-by-op update is
 * five: three multiplies and an add, plus the unbiasing multiply). keep = 1 − momentum and
 * scale (N/(N−1) for the variance) come as float32 uniforms, as tfjs's scalar operands would.
 */
class RunningAverageProgram implements WebGpuProgramLike {
  readonly variableNames = ['running', 'stat'];
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly shaderKey = 'detRunningAverage';
  readonly size = true;
  readonly uniforms = 'keep : f32, momentum : f32, scale : f32,';

  constructor(shape: number[]) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    this.dispatch = [Math.max(1, Math.ceil(tf.util.sizeFromShape(shape) / THREADS)), 1, 1];
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let s = stat[index] * uniforms.scale;
          result[index] = running[index] * uniforms.keep + s * uniforms.momentum;
        }
      }
    `;
  }
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
