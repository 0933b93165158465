import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { runLossSum, type ElementLoss } from './loss-sum-programs';

/**
 * Σ x² over every element of up to 7 tensors as one scalar (docs/contracts.md, "Fused kernels by
 * name"): inputs {x0, x1, …} → []. `@det/runner`'s clipGradNorm adds a model's gradients' squares
 * with it, 7 gradients per call: 1–2 dispatches where the ops took 2 per gradient (square, sum).
 * At most 7 inputs: with the output, a shader may bind 8 storage buffers.
 */
export const SUM_SQUARES_KERNEL = 'DetSumSquares';
const MAX_INPUTS = 7;

/**
 * Element i of the inputs laid end to end, squared. The inputs come in as 1-D views, so each
 * length is tfjs's uniform `x<k>Shape` and one shader serves any sizes with this many inputs.
 */
function sumSquaresElement(inputs: number): ElementLoss {
  const names = Array.from({ length: inputs }, (_, k) => `x${k}`);
  const steps = names.map((x) => `
      if (j < uniforms.${x}Shape) { let v = ${x}[j]; return v * v; }
      j = j - uniforms.${x}Shape;`).join('');
  return {
    key: `sumSquares_${inputs}`,
    inputs: names,
    functions: `
    fn squareAt(i : i32) -> f32 {
      var j = i;${steps}
      return 0.0;
    }`,
    element: 'squareAt(i)',
  };
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown };

function sumSquares({ inputs, backend: b }: Args): tf.TensorInfo {
  const backend = b as WebGpuBackendLike;
  const xs = Object.keys(inputs).sort((p, q) => Number(p.slice(1)) - Number(q.slice(1))).map((k) => inputs[k]);
  if (xs.length === 0 || xs.length > MAX_INPUTS || xs.some((x) => x.dtype !== 'float32')) {
    throw new Error(`${SUM_SQUARES_KERNEL}: 1 to ${MAX_INPUTS} float32 inputs x0, x1, … (got ${Object.keys(inputs).join(', ')})`);
  }
  // 1-D views of the same buffers (no copy), so each length is a uniform
  const flat = xs.map((x) => ({ ...x, shape: [tf.util.sizeFromShape(x.shape)] }));
  const count = flat.reduce((n, x) => n + x.shape[0], 0);
  return runLossSum(backend, sumSquaresElement(xs.length), flat, count, 1);
}

export function registerSumSquaresKernel(): void {
  if (tf.getKernel(SUM_SQUARES_KERNEL, 'webgpu')) return;
  tf.registerKernel({ kernelName: SUM_SQUARES_KERNEL, backendName: 'webgpu', kernelFunc: sumSquares as unknown as tf.KernelFunc });
}
