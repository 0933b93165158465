import * as tf from '@tensorflow/tfjs-core';
import { DetError, OPTIMIZERS } from '@det/registry';
import { Optimizer, type OptimizerOptions, type ParamGroup, type ParamState } from './optimizer';
import { activeBackendHasKernel } from './fused-kernel';

/**
 * A backend may register this kernel for the whole update of one parameter (docs/contracts.md,
 * "Fused kernels by name"; @det/models registers it on webgpu): 1 dispatch instead of ~7
 * element-wise ops with their scalar operands.
 */
const SGD_STEP_KERNEL = 'DetSgdStep';

export interface SGDOptions extends OptimizerOptions {
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
}

/**
 * torch.optim.SGD: d = g + wd·p; buf = d on the first step, else momentum·buf + (1 − dampening)·d;
 * d = d + momentum·buf (nesterov) or buf; p ← p − lr·d.
 */
@OPTIMIZERS.register()
export class SGD extends Optimizer {
  constructor(options: SGDOptions, params: Record<string, tf.Variable>) {
    const momentum = options.momentum ?? 0;
    const dampening = options.dampening ?? 0;
    if (options.nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new DetError(`optimizer: SGD with nesterov needs momentum > 0 and dampening 0 (got momentum ${momentum}, dampening ${dampening})`);
    }
    super(params, options, { momentum, dampening, nesterov: options.nesterov ?? false });
  }

  protected updateParam(param: tf.Variable, grad: tf.Tensor, group: ParamGroup, state: ParamState): void {
    const momentum = group.momentum ?? 0;
    const dampening = (group.dampening as number) ?? 0;
    if (activeBackendHasKernel(SGD_STEP_KERNEL)) {
      this.fusedUpdate(param, grad, group, state, momentum, dampening);
      return;
    }
    tf.tidy(() => {
      let d = group.weightDecay ? tf.add(grad, tf.mul(param, group.weightDecay)) : grad;
      if (momentum !== 0) {
        const prev = state.momentumBuffer as tf.Tensor | undefined;
        const buf = prev ? tf.add(tf.mul(prev, momentum), tf.mul(d, 1 - dampening)) : tf.clone(d);
        this.setStateTensor(state, 'momentumBuffer', buf);
        d = group.nesterov ? tf.add(d, tf.mul(buf, momentum)) : buf;
      }
      param.assign(tf.sub(param, tf.mul(d, group.lr)));
    });
  }

  private fusedUpdate(param: tf.Variable, grad: tf.Tensor, group: ParamGroup, state: ParamState, momentum: number, dampening: number): void {
    tf.tidy(() => {
      const prev = state.momentumBuffer as tf.Tensor | undefined;
      const inputs: Record<string, tf.Tensor> = prev && momentum !== 0 ? { param, grad, buf: prev } : { param, grad };
      const attrs = { lr: group.lr, momentum, dampening, weightDecay: group.weightDecay ?? 0, nesterov: Boolean(group.nesterov) };
      const [newParam, newBuf] = tf.engine().runKernel(SGD_STEP_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      if (newBuf) this.setStateTensor(state, 'momentumBuffer', newBuf);
      param.assign(newParam);
    });
  }
}
