import type * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike, WebGpuProgramLike } from './webgpu-backend-like';

/**
 * Runs a program that fills more than one new tensor in one dispatch. tfjs gives a program one
 * output binding (`result`); the others are new, empty tensors bound as the last inputs, which
 * the program names in `variableNames` and declares writable with `writableMarker` (the shader
 * hook then turns their read-only declarations into read_write). Returns [result, ...extras].
 * Saves a dispatch per extra output where the values come from the same reads (the SGD step's
 * new parameter and momentum; BatchNorm's per-channel finalisations).
 */
export function runWithExtraOutputs(
  backend: WebGpuBackendLike,
  program: WebGpuProgramLike,
  inputs: tf.TensorInfo[],
  extraShapes: number[][],
  uniforms?: { type: string; data: number[] }[],
): tf.TensorInfo[] {
  if (program.variableNames.length !== inputs.length + extraShapes.length) {
    throw new Error(`${program.shaderKey}: ${program.variableNames.length} bindings named for ${inputs.length} inputs + ${extraShapes.length} extra outputs`);
  }
  // result + every input and extra output are storage bindings
  const limit = backend.device.limits.maxStorageBuffersPerShaderStage ?? 8;
  if (program.variableNames.length + 1 > limit) {
    throw new Error(`${program.shaderKey}: ${program.variableNames.length + 1} storage buffers, the device allows ${limit} per shader`);
  }
  const extras = extraShapes.map((shape) => backend.makeTensorInfo(shape, 'float32'));
  try {
    const result = backend.runWebGPUProgram(program, [...inputs, ...extras], 'float32', uniforms);
    return [result, ...extras];
  } catch (err) {
    for (const t of extras) backend.disposeData(t.dataId);
    throw err;
  }
}
