import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuProgramLike } from './webgpu-backend-like';

const THREADS = 256;

/**
 * A one-thread-per-output-element program: `body` is WGSL run for every `index` below
 * uniforms.size, reading the inputs by name (`variableNames`) and writing `result[index]`.
 * The shared skeleton of det's small element-wise kernels.
 */
export class ElementwiseProgram implements WebGpuProgramLike {
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly size = true;

  constructor(
    shape: number[],
    readonly variableNames: string[],
    readonly shaderKey: string,
    private readonly body: string,
    readonly uniforms?: string,
    /** WGSL functions the body calls, emitted before main */
    private readonly functions = '',
  ) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    this.dispatch = [Math.max(1, Math.ceil(tf.util.sizeFromShape(shape) / THREADS)), 1, 1];
  }

  getUserCode(): string {
    return `
      ${this.functions}
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${this.body}
        }
      }
    `;
  }
}
