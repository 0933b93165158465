import type * as tf from '@tensorflow/tfjs-core';

/** A program in tfjs-backend-webgpu's format (its `WebGPUProgram`), typed locally so the
 *  optional package is needed only at run time. */
export interface WebGpuProgramLike {
  outputShape: number[];
  shaderKey: string;
  variableNames: string[];
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size?: boolean;
  uniforms?: string;
  getUserCode(): string;
}

/** The parts of tfjs-backend-webgpu's `WebGPUBackend` det's kernels call. */
export interface WebGpuBackendLike {
  device: { limits: Record<string, number> };
  runWebGPUProgram(
    program: WebGpuProgramLike,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: { type: string; data: number[] }[],
    output?: tf.TensorInfo,
  ): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  /** A new tensor's storage; with `values`, they are uploaded before its first use. */
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}
