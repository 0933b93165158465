import * as tf from '@tensorflow/tfjs-core';
import { ROI_ALIGN_APPLY_KERNEL, ROI_ALIGN_SCATTER_KERNEL } from '../../ops/roi-align-kernels';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { ElementwiseProgram } from './elementwise-program';

// RoIAlign's two sparse products on webgpu (ops/roi-align-kernels.ts has the contract), one
// thread per output element each. The gather form they replace ran, per chunk of cells, a
// gather of width × C rows, a multiply and a sum (and its backward a float-atomic scatterND).

/** out[cell, c] = Σ_j weights[cell, j] · feat[indices[cell, j], c] (padding entries have weight 0). */
class RoiAlignApplyProgram extends ElementwiseProgram {
  constructor(cells: number, channels: number, width: number) {
    super([cells, channels], ['feat', 'indices', 'weights'], `detRoiAlignApply_${channels}_${width}`, `
      let cell = index / ${channels};
      let c = index % ${channels};
      var acc = 0.0;
      for (var j = cell * ${width}; j < (cell + 1) * ${width}; j = j + 1) {
        let w = weights[j];
        if (w != 0.0) { acc = fma(w, feat[indices[j] * ${channels} + c], acc); }
      }
      result[index] = acc;`);
  }
}

/** dF[p, c] = Σ over p's entries e (cell order) of entryWeights[e] · dy[entryCells[e], c]. */
class RoiAlignScatterProgram extends ElementwiseProgram {
  constructor(pixels: number, channels: number) {
    super([pixels, channels], ['dy', 'offsets', 'entryCells', 'entryWeights'], `detRoiAlignScatter_${channels}`, `
      let p = index / ${channels};
      let c = index % ${channels};
      var acc = 0.0;
      for (var e = offsets[p]; e < offsets[p + 1]; e = e + 1) {
        acc = fma(entryWeights[e], dy[entryCells[e] * ${channels} + c], acc);
      }
      result[index] = acc;`);
  }
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };

function apply({ inputs, backend, attrs = {} }: Args): tf.TensorInfo {
  const { feat, indices, weights } = inputs;
  const program = new RoiAlignApplyProgram(Number(attrs.cells), feat.shape[1], Number(attrs.width));
  return (backend as WebGpuBackendLike).runWebGPUProgram(program, [feat, indices, weights], 'float32');
}

function scatter({ inputs, backend, attrs = {} }: Args): tf.TensorInfo {
  const { dy, offsets, entryCells, entryWeights } = inputs;
  const program = new RoiAlignScatterProgram(Number(attrs.pixels), dy.shape[1]);
  return (backend as WebGpuBackendLike).runWebGPUProgram(program, [dy, offsets, entryCells, entryWeights], 'float32');
}

/** Registers det's RoIAlign kernels on the webgpu backend (idempotent). */
export function registerRoiAlignKernels(): void {
  for (const [kernelName, kernelFunc] of [[ROI_ALIGN_APPLY_KERNEL, apply], [ROI_ALIGN_SCATTER_KERNEL, scatter]] as const) {
    if (tf.getKernel(kernelName, 'webgpu')) continue;
    tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}
