import * as tf from '@tensorflow/tfjs-core';
import { MAX_ABS_BITS_KERNEL } from '../../backend/conv-gradient';
import type { WebGpuBackendLike, WebGpuProgramLike } from './webgpu-backend-like';

const THREADS = 256;
const MAX_WORKGROUPS = 1024;

/**
 * max |x| over a whole tensor, in one dispatch, as the f32's bit pattern in an int32 [1]: for
 * non-negative floats the bit patterns order like the values, so workgroups combine their maxima
 * with one atomicMax each. The
 * output starts at 0 (uploaded with the tensor, no fill dispatch). The f16 matrix-unit kernels
 * read it to scale gradients into f16's range (conv2d-phase-gemm-sgmat-program.ts).
 */
export class MaxAbsBitsProgram implements WebGpuProgramLike {
  readonly variableNames = ['x'];
  readonly variableComponents: number[];
  readonly outputShape = [1];
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;
  readonly atomic = true;
  private readonly vec: number;

  constructor(readonly elements: number) {
    this.vec = elements % 4 === 0 ? 4 : 1;
    this.variableComponents = [this.vec];
    const units = elements / this.vec;
    this.dispatch = [Math.max(1, Math.min(MAX_WORKGROUPS, Math.ceil(units / (THREADS * 8)))), 1, 1];
    this.shaderKey = `detMaxAbsBits_${elements}_${this.dispatch[0]}`;
  }

  getUserCode(): string {
    const units = this.elements / this.vec;
    const stride = this.dispatch[0] * THREADS;
    const absMax = this.vec === 4 ? 'let a = abs(x[i]); m = max(m, max(max(a.x, a.y), max(a.z, a.w)));' : 'm = max(m, abs(x[i]));';
    return `
      var<workgroup> partial : array<u32, ${THREADS}>;

      // a one-dimensional output: tfjs passes the flat index, which this program does not use
      fn main(_flatIndex : i32) {
        _ = uniforms.outShape;
        var m = 0.0;
        for (var i = i32(workgroupId.x) * ${THREADS} + i32(localIndex); i < ${units}; i = i + ${stride}) {
          ${absMax}
        }
        // (max() may drop a NaN: then the scale comes from the finite values, and the NaN still
        // propagates through the GEMM that reads it)
        partial[localIndex] = bitcast<u32>(m);
        workgroupBarrier();
        for (var half = ${THREADS / 2}u; half > 0u; half = half / 2u) {
          if (localIndex < half) { partial[localIndex] = max(partial[localIndex], partial[localIndex + half]); }
          workgroupBarrier();
        }
        if (localIndex == 0u) { atomicMax(&result[0], i32(partial[0])); }
      }
    `;
  }
}

/** Runs MaxAbsBitsProgram on x; the caller disposes the returned int32 [1]. */
export function maxAbsBits(backend: WebGpuBackendLike, x: tf.TensorInfo): tf.TensorInfo {
  const size = x.shape.reduce((a, b) => a * b, 1);
  const out = backend.makeTensorInfo([1], 'int32', new Int32Array(1));
  return backend.runWebGPUProgram(new MaxAbsBitsProgram(size), [x], 'int32', undefined, out);
}

/** `DetMaxAbsBits` on webgpu (backend/conv-gradient.ts computes a conv's gradient scale with it). */
export function registerMaxAbsBitsKernel(): void {
  if (tf.getKernel(MAX_ABS_BITS_KERNEL, 'webgpu')) return;
  const kernelFunc = ({ inputs: { x }, backend }: { inputs: Record<string, tf.TensorInfo>; backend: unknown }) =>
    maxAbsBits(backend as WebGpuBackendLike, x);
  tf.registerKernel({ kernelName: MAX_ABS_BITS_KERNEL, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}
