import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike, WebGpuProgramLike } from './webgpu-backend-like';

// The sum of an element-wise loss over all its elements, divided by a divisor (MMDetection's
// avgFactor + eps, or 1), without materialising the elements: per-workgroup partial sums of
// contiguous ranges, then one workgroup adds them — or, when one workgroup covers everything,
// it divides and writes the total itself (one dispatch). Used by the fused losses' kernels.

const THREADS = 256;
/** Adds every thread's `s` into acc[0] (a tree over the workgroup's shared `acc`). */
const WORKGROUP_SUM = `
        acc[li] = s;
        workgroupBarrier();
        for (var stride = ${THREADS / 2}; stride > 0; stride = stride / 2) {
          if (li < stride) {
            acc[li] = acc[li] + acc[li + stride];
          }
          workgroupBarrier();
        }`;
/** Elements per thread before a second workgroup is used (and at most 1024 workgroups). */
const ELEMENTS_PER_THREAD = 32;

/** What the partial-sum pass computes for element i (0 ≤ i < count) of one loss. */
export interface ElementLoss {
  /** Shader key part: everything compiled into the WGSL below. */
  key: string;
  /** Input names (tfjs variableNames), bound in this order. */
  inputs: string[];
  /** WGSL functions the expression calls. */
  functions: string;
  /** WGSL expression of element `i`'s loss (an i32 named i is in scope). */
  element: string;
}

/** Per-workgroup sums over contiguous ranges of `count` elements → [groups] (or, one group: the total / divisor). */
export class LossPartialSumsProgram implements WebGpuProgramLike {
  readonly variableNames: string[];
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;
  readonly uniforms = 'count : i32, divisor : f32,';

  constructor(readonly groups: number, readonly loss: ElementLoss) {
    this.variableNames = loss.inputs;
    this.outputShape = [groups];
    this.dispatch = [groups, 1, 1];
    this.shaderKey = `detLossPartialSums_${loss.key}`;
  }

  getUserCode(): string {
    return `
      ${this.loss.functions}
      var<workgroup> acc : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let li = i32(localIndex);
        let groups = uniforms.outShape;
        let chunk = (uniforms.count + groups - 1) / groups;
        let begin = i32(workgroupId.x) * chunk;
        let end = min(begin + chunk, uniforms.count);
        var s = 0.0;
        for (var i = begin + li; i < end; i = i + ${THREADS}) {
          s = s + ${this.loss.element};
        }
        ${WORKGROUP_SUM}
        if (li == 0) {
          // (the divisor is 1 when a second pass adds the partial sums)
          result[workgroupId.x] = acc[0] / uniforms.divisor;
        }
      }
    `;
  }
}

/** The sum of a vector (partial sums) in one workgroup, divided by the uniform divisor → [1]. */
export class SumDivideProgram implements WebGpuProgramLike {
  readonly variableNames = ['partial'];
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly outputShape = [1];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number] = [1, 1, 1];
  readonly shaderKey = 'detSumDivide';
  readonly uniforms = 'divisor : f32,';

  getUserCode(): string {
    return `
      var<workgroup> acc : array<f32, ${THREADS}>;
      fn main(index : i32) {
        _ = uniforms.outShape;
        let li = i32(localIndex);
        var s = 0.0;
        for (var i = li; i < uniforms.partialShape; i = i + ${THREADS}) {
          s = s + partial[i];
        }
        ${WORKGROUP_SUM}
        if (li == 0) {
          result[0] = acc[0] / uniforms.divisor;
        }
      }
    `;
  }
}

/** Workgroups of the partial-sum pass: ≥ 32 elements per thread, at most 1024. */
export function lossSumGroups(count: number): number {
  return Math.max(1, Math.min(1024, Math.ceil(count / (THREADS * ELEMENTS_PER_THREAD))));
}

const f32 = (v: number) => ({ type: 'float32', data: [v] });
const i32 = (v: number) => ({ type: 'int32', data: [v] });

/** Σ loss(i) over `count` elements / divisor as a scalar tensor info: 1 dispatch, or 2 past one workgroup. */
export function runLossSum(backend: WebGpuBackendLike, loss: ElementLoss, inputs: tf.TensorInfo[], count: number, divisor: number): tf.TensorInfo {
  const groups = lossSumGroups(count);
  const partial = backend.runWebGPUProgram(new LossPartialSumsProgram(groups, loss), inputs, 'float32', [i32(count), f32(groups === 1 ? divisor : 1)]);
  let total = partial;
  if (groups > 1) {
    total = backend.runWebGPUProgram(new SumDivideProgram(), [partial], 'float32', [f32(divisor)]);
    backend.disposeData(partial.dataId);
  }
  // the programs write [1]; the kernel's output is the scalar (same buffer, as tfjs's Reshape does)
  return { dataId: total.dataId, shape: [], dtype: 'float32' };
}
