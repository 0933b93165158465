import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { ElementwiseProgram } from './elementwise-program';
import { runWithExtraOutputs } from './extra-outputs';
import { writableMarker } from '../shader-hooks';

/**
 * One torch.optim.SGD parameter update as a kernel (docs/contracts.md, "Fused kernels by name"):
 * inputs {param, grad, buf?}, attrs {lr, momentum, dampening, weightDecay, nesterov} →
 * [newParam, newBuf] (just [newParam] without momentum). d = g + wd·p; buf = momentum·buf +
 * (1 − dampening)·d (= d on the first step); d = d + momentum·buf (nesterov) or buf; p − lr·d.
 * `@det/runner`'s SGD uses it where the active backend registers it (by this name).
 */
export const SGD_STEP_KERNEL = 'DetSgdStep';

const HYPER_UNIFORMS = 'lr : f32, momentum : f32, dampening : f32, weightDecay : f32,';

/**
 * newParam (`result`) and, with momentum, newBuf (the writable `nb`) for one parameter,
 * element-wise in one dispatch: the momentum buffer's new value is computed once and used for
 * the parameter from the register, the same float32 value the two-pass version read back.
 */
class SgdStepProgram extends ElementwiseProgram {
  constructor(shape: number[], hasBuf: boolean, momentum: boolean, nesterov: boolean) {
    const inputs = ['p', 'g', ...(hasBuf ? ['b'] : [])];
    let body = 'let d = g[index] + uniforms.weightDecay * p[index];';
    if (!momentum) {
      body += '\n      result[index] = p[index] - uniforms.lr * d;';
    } else {
      body += `
      let buf = ${hasBuf ? 'uniforms.momentum * b[index] + (1.0 - uniforms.dampening) * d' : 'd'};
      nb[index] = buf;
      result[index] = p[index] - uniforms.lr * (${nesterov ? 'd + uniforms.momentum * buf' : 'buf'});`;
    }
    super(shape, momentum ? [...inputs, 'nb'] : inputs, `detSgdStep_${hasBuf}_${momentum}_${nesterov}`, body, HYPER_UNIFORMS,
      momentum ? writableMarker(['nb']) : '');
  }
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };

function sgdStep({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo[] {
  const backend = b as WebGpuBackendLike;
  const { param, grad, buf } = inputs;
  const momentum = Number(attrs.momentum ?? 0);
  const nesterov = Boolean(attrs.nesterov);
  const hyper = [{ type: 'float32', data: [Number(attrs.lr)] }, { type: 'float32', data: [momentum] },
    { type: 'float32', data: [Number(attrs.dampening ?? 0)] }, { type: 'float32', data: [Number(attrs.weightDecay ?? 0)] }];
  if (momentum === 0) {
    return [backend.runWebGPUProgram(new SgdStepProgram(param.shape, false, false, false), [param, grad], 'float32', hyper)];
  }
  const program = new SgdStepProgram(param.shape, buf != null, true, nesterov);
  return runWithExtraOutputs(backend, program, buf ? [param, grad, buf] : [param, grad], [param.shape], hyper);
}

export function registerSgdStepKernel(): void {
  if (tf.getKernel(SGD_STEP_KERNEL, 'webgpu')) return;
  tf.registerKernel({ kernelName: SGD_STEP_KERNEL, backendName: 'webgpu', kernelFunc: sgdStep as unknown as tf.KernelFunc });
}
