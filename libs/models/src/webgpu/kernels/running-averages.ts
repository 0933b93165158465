import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { ElementwiseProgram } from './elementwise-program';
import { runWithExtraOutputs } from './extra-outputs';
import { writableMarker } from '../shader-hooks';

/**
 * Both running statistics of a BatchNorm layer in one dispatch (the op-by-op update is five per
 * statistic: three multiplies and an add, plus the unbiasing multiply):
 *   runningMean·keep + mean·momentum → result, runningVariance·keep + (variance·unbias)·momentum → newVariance.
 * keep = 1 − momentum and unbias = N/(N−1) come as float32 uniforms, as tfjs's scalar operands
 * would, in the op-by-op order (the mean's scale of 1 is exact, so it is left out).
 */
class RunningAveragesProgram extends ElementwiseProgram {
  constructor(shape: number[]) {
    super(shape, ['runningMean', 'runningVariance', 'mean', 'variance', 'newVariance'], 'detRunningAverages', `
      result[index] = runningMean[index] * uniforms.keep + mean[index] * uniforms.momentum;
      let v = variance[index] * uniforms.unbias;
      newVariance[index] = runningVariance[index] * uniforms.keep + v * uniforms.momentum;`,
    'keep : f32, momentum : f32, unbias : f32,', writableMarker(['newVariance']));
  }
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };

export function runningAverages({ inputs, backend, attrs = {} }: Args): tf.TensorInfo[] {
  const { runningMean, runningVariance, mean, variance } = inputs;
  const momentum = Number(attrs.momentum);
  const uniforms = [
    { type: 'float32', data: [1 - momentum] }, { type: 'float32', data: [momentum] }, { type: 'float32', data: [Number(attrs.unbias ?? 1)] },
  ];
  return runWithExtraOutputs(backend as WebGpuBackendLike, new RunningAveragesProgram(runningMean.shape), [runningMean, runningVariance, mean, variance],
    [runningVariance.shape], uniforms);
}
