import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike, WebGpuProgramLike } from './webgpu-backend-like';
import { ElementwiseProgram } from './elementwise-program';

/**
 * One torch.optim.SGD parameter update as a kernel (docs/contracts.md, "Fused optimizer kernels"):
 * inputs {param, grad, buf?}, attrs {lr, momentum, dampening, weightDecay, nesterov} →
 * [newParam, newBuf] (just [newParam] without momentum). d = g + wd·p; buf = momentum·buf +
 * (1 − dampening)·d (= d on the first step); d = d + momentum·buf (nesterov) or buf; p − lr·d.
 * `@det/runner`'s SGD uses it where the active backend registers it (by this name).
 */
export const SGD_STEP_KERNEL = 'DetSgdStep';

const HYPER_UNIFORMS = 'lr : f32, momentum : f32, dampening : f32, weightDecay : f32,';

/** newBuf (which = 'buf') or newParam (which = 'param') for one parameter, element-wise. */
class SgdStepProgram extends ElementwiseProgram {
  constructor(shape: number[], which: 'buf' | 'param', hasBuf: boolean, momentum: boolean, nesterov: boolean) {
    let value: string;
    if (which === 'buf') value = hasBuf ? 'uniforms.momentum * b[index] + (1.0 - uniforms.dampening) * d' : 'd';
    else if (!momentum) value = 'p[index] - uniforms.lr * d';
    else value = `p[index] - uniforms.lr * (${nesterov ? 'd + uniforms.momentum * b[index]' : 'b[index]'})`;
    // buf pass reads the old buf; param pass reads the new one
    super(shape, ['p', 'g', ...(hasBuf ? ['b'] : [])], `detSgdStep_${which}_${hasBuf}_${momentum}_${nesterov}`,
      `let d = g[index] + uniforms.weightDecay * p[index];
      result[index] = ${value};`, HYPER_UNIFORMS);
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
