import * as tf from '@tensorflow/tfjs-core';
import { OPTIMIZERS } from '@det/registry';
import { Optimizer, type OptimizerOptions, type ParamGroup, type ParamState } from './optimizer';
import { activeBackendHasKernel } from './fused-kernel';

/**
 * A backend may register this kernel for the whole update of one parameter (docs/contracts.md,
 * "Fused kernels by name"; @det/models registers it on webgpu): one dispatch instead of 9
 * element-wise programs with their scalar operands. Not used with amsgrad.
 */
const ADAM_STEP_KERNEL = 'DetAdamStep';

export interface AdamOptions extends OptimizerOptions {
  betas?: [number, number];
  eps?: number;
  amsgrad?: boolean;
}

/**
 * torch.optim.Adam / AdamW. Adam adds wd·p to the gradient; AdamW first decays the weights,
 * p ← p·(1 − lr·wd). Then m, v moments, bias corrections 1 − βᵗ, and
 * p ← p − lr/(1 − β1ᵗ) · m / (sqrt(v̂)/sqrt(1 − β2ᵗ) + eps), with v̂ = running max of v under amsgrad.
 */
abstract class AdamBase extends Optimizer {
  protected abstract readonly decoupled: boolean;

  constructor(options: AdamOptions, params: Record<string, tf.Variable>, defaultDecay: number) {
    super(params, { ...options, weightDecay: options.weightDecay ?? defaultDecay }, {
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      amsgrad: options.amsgrad ?? false,
    });
  }

  protected updateParam(param: tf.Variable, grad: tf.Tensor, group: ParamGroup, state: ParamState): void {
    const [beta1, beta2] = group.betas ?? [0.9, 0.999];
    const eps = (group.eps as number) ?? 1e-8;
    const step = ((state.step as number | undefined) ?? 0) + 1;
    state.step = step;
    if (!group.amsgrad && activeBackendHasKernel(ADAM_STEP_KERNEL)) {
      this.fusedUpdate(param, grad, group, state, { beta1, beta2, eps, step });
      return;
    }
    tf.tidy(() => {
      let g = grad;
      let p: tf.Tensor = param;
      if (group.weightDecay) {
        if (this.decoupled) p = tf.mul(p, 1 - group.lr * group.weightDecay);
        else g = tf.add(g, tf.mul(param, group.weightDecay));
      }
      const m0 = (state.expAvg as tf.Tensor | undefined) ?? tf.zerosLike(param);
      const v0 = (state.expAvgSq as tf.Tensor | undefined) ?? tf.zerosLike(param);
      const m = tf.add(tf.mul(m0, beta1), tf.mul(g, 1 - beta1));
      const v = tf.add(tf.mul(v0, beta2), tf.mul(tf.square(g), 1 - beta2));
      this.setStateTensor(state, 'expAvg', m);
      this.setStateTensor(state, 'expAvgSq', v);
      let vUsed = v;
      if (group.amsgrad) {
        const prevMax = state.maxExpAvgSq as tf.Tensor | undefined;
        vUsed = prevMax ? tf.maximum(prevMax, v) : tf.clone(v);
        this.setStateTensor(state, 'maxExpAvgSq', vUsed);
      }
      const bc1 = 1 - Math.pow(beta1, step);
      const bc2 = 1 - Math.pow(beta2, step);
      const denom = tf.add(tf.div(tf.sqrt(vUsed), Math.sqrt(bc2)), eps);
      param.assign(tf.sub(p, tf.mul(tf.div(m, denom), group.lr / bc1)));
    });
  }

  private fusedUpdate(param: tf.Variable, grad: tf.Tensor, group: ParamGroup, state: ParamState, h: { beta1: number; beta2: number; eps: number; step: number }): void {
    tf.tidy(() => {
      const m0 = state.expAvg as tf.Tensor | undefined;
      const v0 = state.expAvgSq as tf.Tensor | undefined;
      const inputs: Record<string, tf.Tensor> = m0 && v0 ? { param, grad, expAvg: m0, expAvgSq: v0 } : { param, grad };
      const attrs = { lr: group.lr, ...h, weightDecay: group.weightDecay ?? 0, decoupled: this.decoupled };
      const [newParam, m, v] = tf.engine().runKernel(ADAM_STEP_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      this.setStateTensor(state, 'expAvg', m);
      this.setStateTensor(state, 'expAvgSq', v);
      param.assign(newParam);
    });
  }
}

@OPTIMIZERS.register()
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(options: AdamOptions, params: Record<string, tf.Variable>) {
    super(options, params, 0);
  }
}

/** AdamW: decoupled weight decay, default weightDecay 0.01 as in PyTorch. */
@OPTIMIZERS.register()
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(options: AdamOptions, params: Record<string, tf.Variable>) {
    super(options, params, 0.01);
  }
}
