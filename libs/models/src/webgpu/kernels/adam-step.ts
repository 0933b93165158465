import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { ElementwiseProgram } from './elementwise-program';
import { runWithExtraOutputs } from './extra-outputs';
import { writableMarker } from '../shader-hooks';

/**
 * One torch.optim.Adam / AdamW parameter update as a kernel (docs/contracts.md, "Fused kernels by
 * name"): inputs {param, grad, expAvg?, expAvgSq?} (both moments, or neither on a parameter's
 * first step), attrs {lr, beta1, beta2, eps, weightDecay, decoupled, step} → [newParam, newExpAvg,
 * newExpAvgSq]. `@det/runner`'s Adam and AdamW use it where the active backend registers it (not
 * with amsgrad: its running max would need a ninth storage buffer).
 */
export const ADAM_STEP_KERNEL = 'DetAdamStep';

// every number a uniform: the LR and the bias corrections change every step
const UNIFORMS = 'beta1 : f32, oneMinusBeta1 : f32, beta2 : f32, oneMinusBeta2 : f32, eps : f32, sqrtBc2 : f32, stepSize : f32, decay : f32, weightDecay : f32,';

/**
 * The new parameter (`result`) and moments (the writable `nm`, `nv`), element-wise in one dispatch,
 * in the order of the op-by-op update (runner's adam.ts) so the float32 values agree:
 * AdamW p ← p·(1 − lr·wd) (Adam: g ← g + wd·p), m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g²,
 * p ← p − (m / (√v / √(1 − β2ᵗ) + eps)) · lr / (1 − β1ᵗ).
 */
class AdamStepProgram extends ElementwiseProgram {
  constructor(shape: number[], hasState: boolean, decoupled: boolean) {
    const inputs = ['p', 'g', ...(hasState ? ['m0', 'v0'] : [])];
    super(shape, [...inputs, 'nm', 'nv'], `detAdamStep_${hasState}_${decoupled}`, `
      var pv = p[index];
      var gv = g[index];
      ${decoupled ? 'pv = pv * uniforms.decay;' : 'gv = gv + pv * uniforms.weightDecay;'}
      let m = ${hasState ? 'm0[index] * uniforms.beta1 + ' : ''}gv * uniforms.oneMinusBeta1;
      let v = ${hasState ? 'v0[index] * uniforms.beta2 + ' : ''}(gv * gv) * uniforms.oneMinusBeta2;
      nm[index] = m;
      nv[index] = v;
      let denom = sqrt(v) / uniforms.sqrtBc2 + uniforms.eps;
      result[index] = pv - (m / denom) * uniforms.stepSize;`, UNIFORMS, writableMarker(['nm', 'nv']));
  }
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };

function adamStep({ inputs, backend: b, attrs = {} }: Args): tf.TensorInfo[] {
  const backend = b as WebGpuBackendLike;
  const { param, grad, expAvg, expAvgSq } = inputs;
  const hasState = expAvg != null && expAvgSq != null;
  const [lr, beta1, beta2, eps, weightDecay, step] = ['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'step'].map((k) => Number(attrs[k] ?? 0));
  const decoupled = Boolean(attrs.decoupled);
  // host-side in float64, then float32: the same scalars the op-by-op update multiplies by
  const f32 = (v: number) => ({ type: 'float32', data: [v] });
  const uniforms = [
    f32(beta1), f32(1 - beta1), f32(beta2), f32(1 - beta2), f32(eps), f32(Math.sqrt(1 - Math.pow(beta2, step))),
    f32(lr / (1 - Math.pow(beta1, step))), f32(1 - lr * weightDecay), f32(weightDecay),
  ];
  const program = new AdamStepProgram(param.shape, hasState, decoupled);
  return runWithExtraOutputs(backend, program, hasState ? [param, grad, expAvg, expAvgSq] : [param, grad], [param.shape, param.shape], uniforms);
}

export function registerAdamStepKernel(): void {
  if (tf.getKernel(ADAM_STEP_KERNEL, 'webgpu')) return;
  tf.registerKernel({ kernelName: ADAM_STEP_KERNEL, backendName: 'webgpu', kernelFunc: adamStep as unknown as tf.KernelFunc });
}
