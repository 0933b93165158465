import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike, WebGpuProgramLike } from './webgpu-backend-like';

/**
 * One torch.optim.SGD parameter update as a kernel (docs/contracts.md, "Fused optimizer kernels"):
 * inputs {param, grad, buf?}, attrs {lr, momentum, dampening, weightDecay, nesterov} →
 * [newParam, newBuf] (just [newParam] without momentum). d = g + wd·p; buf = momentum·buf +
 * (1 − dampening)·d (= d on the first step); d = d + momentum·buf (nesterov) or buf; p − lr·d.
 * `@det/runner`'s SGD uses it where the active backend registers it (by this name).
 */
export const SGD_STEP_KERNEL = 'DetSgdStep';

const THREADS = 256;
const HYPER_UNIFORMS = 'lr : f32, momentum : f32, dampening : f32, weightDecay : f32,';

/** newBuf (which = 'buf') or newParam (which = 'param') for one parameter, element-wise. */
class SgdStepProgram implements WebGpuProgramLike {
  readonly variableNames: string[];
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;
  readonly size = true;
  readonly uniforms = HYPER_UNIFORMS;

  constructor(shape: number[], readonly which: 'buf' | 'param', readonly hasBuf: boolean, readonly momentum: boolean, readonly nesterov: boolean) {
    // buf pass reads the old buf; param pass reads the new one
    this.variableNames = ['p', 'g', ...(hasBuf ? ['b'] : [])];
    this.outputShape = shape;
    this.dispatchLayout = { x: this.outputShape.map((_, i) => i) };
    this.dispatch = [Math.max(1, Math.ceil(this.outputShape.reduce((a, c) => a * c, 1) / THREADS)), 1, 1];
    this.shaderKey = `detSgdStep_${which}_${hasBuf}_${momentum}_${nesterov}`;
  }

  getUserCode(): string {
    let value: string;
    if (this.which === 'buf') value = this.hasBuf ? 'uniforms.momentum * b[index] + (1.0 - uniforms.dampening) * d' : 'd';
    else if (!this.momentum) value = 'p[index] - uniforms.lr * d';
    else value = `p[index] - uniforms.lr * (${this.nesterov ? 'd + uniforms.momentum * b[index]' : 'b[index]'})`;
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let d = g[index] + uniforms.weightDecay * p[index];
          result[index] = ${value};
        }
      }
    `;
  }
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };

function sgdStep({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo[] {
  const backend = b as WebGpuBackendLike & {
    runWebGPUProgram(p: WebGpuProgramLike, i: tf.TensorInfo[], d: tf.DataType, u?: { type: string; data: number[] }[]): tf.TensorInfo;
  };
  const { param, grad, buf } = inputs;
  const momentum = Number(attrs.momentum ?? 0);
  const nesterov = Boolean(attrs.nesterov);
  const hyper = [{ type: 'float32', data: [Number(attrs.lr)] }, { type: 'float32', data: [momentum] },
    { type: 'float32', data: [Number(attrs.dampening ?? 0)] }, { type: 'float32', data: [Number(attrs.weightDecay ?? 0)] }];
  if (momentum === 0) {
    return [backend.runWebGPUProgram(new SgdStepProgram(param.shape, 'param', false, false, false), [param, grad], 'float32', hyper)];
  }
  const newBuf = backend.runWebGPUProgram(new SgdStepProgram(param.shape, 'buf', buf != null, true, nesterov), buf ? [param, grad, buf] : [param, grad], 'float32', hyper);
  const newParam = backend.runWebGPUProgram(new SgdStepProgram(param.shape, 'param', true, true, nesterov), [param, grad, newBuf], 'float32', hyper);
  return [newParam, newBuf];
}

export function registerSgdStepKernel(): void {
  if (tf.getKernel(SGD_STEP_KERNEL, 'webgpu')) return;
  tf.registerKernel({ kernelName: SGD_STEP_KERNEL, backendName: 'webgpu', kernelFunc: sgdStep as unknown as tf.KernelFunc });
}
