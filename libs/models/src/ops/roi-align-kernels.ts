// The two directions of RoIAlign given a sampling plan: out = S·F and dF = Sᵀ·dy, where S is
// the sparse [cells, pixels] matrix of bilinear weights. A typed-array kernel for backends whose
// data lives in host memory (cpu, wasm), and a chunked gather/scatterND form for the others.
import * as tf from '@tensorflow/tfjs-core';
import { RoiAlignPlan } from './roi-align-plan';

/** out[cell, :] = Σ_j weights[cell, j] · feat[indices[cell, j], :] on host arrays. */
export function applyPlanTyped(feat: ArrayLike<number>, channels: number, plan: RoiAlignPlan): Float32Array {
  const { cells, width, indices, weights } = plan;
  const out = new Float32Array(cells * channels);
  for (let cell = 0; cell < cells; cell++) {
    const o = cell * channels;
    for (let j = cell * width, end = j + width; j < end; j++) {
      const w = weights[j];
      if (w === 0) continue; // padding (or a tap of weight 0)
      const p = indices[j] * channels;
      for (let c = 0; c < channels; c++) out[o + c] += w * feat[p + c];
    }
  }
  return out;
}

/** dF[indices[cell, j], :] += weights[cell, j] · dy[cell, :] on host arrays. */
export function scatterPlanTyped(dy: ArrayLike<number>, channels: number, plan: RoiAlignPlan, pixels: number): Float32Array {
  const { cells, width, indices, weights } = plan;
  const grad = new Float32Array(pixels * channels);
  for (let cell = 0; cell < cells; cell++) {
    const o = cell * channels;
    for (let j = cell * width, end = j + width; j < end; j++) {
      const w = weights[j];
      if (w === 0) continue;
      const p = indices[j] * channels;
      for (let c = 0; c < channels; c++) grad[p + c] += w * dy[o + c];
    }
  }
  return grad;
}

/** Floats of one gathered [chunk·width, c] block: bounds the memory of the gather form. */
export const GATHER_CHUNK_FLOATS = 4 << 20;

function chunkCells(plan: RoiAlignPlan, channels: number, maxFloats: number): number {
  return Math.max(1, Math.floor(maxFloats / Math.max(1, plan.width * channels)));
}

/** S·F with tf.gather, in chunks of cells (device-resident backends). */
export function applyPlanGather(featMatrix: tf.Tensor2D, plan: RoiAlignPlan, maxFloats = GATHER_CHUNK_FLOATS): tf.Tensor2D {
  const c = featMatrix.shape[1];
  const step = chunkCells(plan, c, maxFloats);
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < plan.cells; start += step) {
    const n = Math.min(step, plan.cells - start);
    parts.push(
      tf.tidy(() => {
        const idx = tf.tensor1d(plan.indices.subarray(start * plan.width, (start + n) * plan.width), 'int32');
        const w = tf.tensor3d(plan.weights.subarray(start * plan.width, (start + n) * plan.width), [n, plan.width, 1]);
        const picked = tf.reshape(tf.gather(featMatrix, idx), [n, plan.width, c]);
        return tf.sum(tf.mul(picked, w), 1);
      }),
    );
  }
  const out = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
  if (parts.length > 1) tf.dispose(parts);
  return out as tf.Tensor2D;
}

/** Sᵀ·dy with tf.scatterND (which sums duplicate indices), in chunks of cells. */
export function scatterPlanND(dy: tf.Tensor2D, plan: RoiAlignPlan, pixels: number, maxFloats = GATHER_CHUNK_FLOATS): tf.Tensor2D {
  const c = dy.shape[1];
  const step = chunkCells(plan, c, maxFloats);
  let grad: tf.Tensor = tf.zeros([pixels, c]);
  for (let start = 0; start < plan.cells; start += step) {
    const n = Math.min(step, plan.cells - start);
    const next = tf.tidy(() => {
      const idx = tf.tensor2d(plan.indices.subarray(start * plan.width, (start + n) * plan.width), [n * plan.width, 1], 'int32');
      const w = tf.tensor3d(plan.weights.subarray(start * plan.width, (start + n) * plan.width), [n, plan.width, 1]);
      const rows = tf.slice(dy, [start, 0], [n, c]);
      const updates = tf.reshape(tf.mul(tf.expandDims(rows, 1), w), [n * plan.width, c]);
      return tf.add(grad, tf.scatterND(idx, updates, [pixels, c]));
    });
    grad.dispose();
    grad = next;
  }
  return grad as tf.Tensor2D;
}

/**
 * Kernels a backend may register for RoIAlign on device-resident features (webgpu:
 * `webgpu/kernels/roi-align.ts`); the gather / scatterND form is the fallback.
 *  - APPLY   {feat [P, C], indices [cells·width] int32, weights [cells·width]}, {cells, width} → S·F [cells, C]
 *  - SCATTER {dy [cells, C], offsets [P + 1] int32, entryCells [E] int32, entryWeights [E]}, {pixels}
 *            → Sᵀ·dy [P, C], from the plan transposed by pixel (`transposePlan`): every pixel adds
 *            its entries in a fixed order, so unlike scatterND's float atomics it repeats bit for bit.
 */
export const ROI_ALIGN_APPLY_KERNEL = 'DetRoiAlignApply';
export const ROI_ALIGN_SCATTER_KERNEL = 'DetRoiAlignScatter';

/** The plan's non-zero entries grouped by pixel (CSR): pixel p's entries are offsets[p] … offsets[p + 1] − 1, in cell order. */
export interface TransposedPlan { offsets: Int32Array; cells: Int32Array; weights: Float32Array }

export function transposePlan(plan: RoiAlignPlan, pixels: number): TransposedPlan {
  const { cells, width, indices, weights } = plan;
  const offsets = new Int32Array(pixels + 1);
  for (let j = 0; j < cells * width; j++) if (weights[j] !== 0) offsets[indices[j] + 1]++;
  for (let p = 0; p < pixels; p++) offsets[p + 1] += offsets[p];
  const fill = offsets.slice(0, pixels);
  const entryCells = new Int32Array(offsets[pixels]);
  const entryWeights = new Float32Array(offsets[pixels]);
  for (let cell = 0; cell < cells; cell++) {
    for (let j = cell * width, end = j + width; j < end; j++) {
      if (weights[j] === 0) continue;
      const at = fill[indices[j]]++;
      entryCells[at] = cell;
      entryWeights[at] = weights[j];
    }
  }
  return { offsets, cells: entryCells, weights: entryWeights };
}

/** S·F with the backend's APPLY kernel. */
export function applyPlanKernel(featMatrix: tf.Tensor2D, plan: RoiAlignPlan): tf.Tensor2D {
  return tf.tidy(() => {
    const indices = tf.tensor1d(plan.indices, 'int32');
    const weights = tf.tensor1d(plan.weights);
    return tf.engine().runKernel(ROI_ALIGN_APPLY_KERNEL, { feat: featMatrix, indices, weights }, { cells: plan.cells, width: plan.width }) as tf.Tensor2D;
  });
}

/** Sᵀ·dy with the backend's SCATTER kernel (deterministic). */
export function scatterPlanKernel(dy: tf.Tensor2D, plan: RoiAlignPlan, pixels: number): tf.Tensor2D {
  const t = transposePlan(plan, pixels);
  return tf.tidy(() => {
    const inputs = { dy, offsets: tf.tensor1d(t.offsets, 'int32'), entryCells: tf.tensor1d(t.cells, 'int32'), entryWeights: tf.tensor1d(t.weights) };
    return tf.engine().runKernel(ROI_ALIGN_SCATTER_KERNEL, inputs, { pixels }) as tf.Tensor2D;
  });
}
