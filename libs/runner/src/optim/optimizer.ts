import * as tf from '@tensorflow/tfjs-core';
import { DetError, nearestName, type NamedArray } from '@det/registry';
import { buildParamGroups, type ParamwiseCfg } from './paramwise';
import { isNamedArray, namedArrayToTensor, tensorToNamedArray } from './state-arrays';

/** A PyTorch-style param group: LR/momentum hooks write `lr`, `momentum`, `betas` here. */
export interface ParamGroup {
  params: string[];
  lr: number;
  weightDecay: number;
  momentum?: number;
  betas?: [number, number];
  /** Set by the LR hook before the first update (MMCV's `initial_lr`). */
  initialLr?: number;
  initialMomentum?: number;
  [option: string]: unknown;
}

export interface OptimizerOptions {
  lr: number;
  weightDecay?: number;
  paramwiseCfg?: ParamwiseCfg;
}

/** Per-parameter state: tensors (moment buffers) and numbers (step counts). */
export type ParamState = Record<string, tf.Tensor | number>;

/** Serialisable optimizer state: groups' hyperparameters and per-parameter arrays. */
export interface OptimizerStateDict {
  type: string;
  paramGroups: ParamGroup[];
  state: Record<string, Record<string, NamedArray | number>>;
}

/**
 * Base of det's optimizers: updates named tfjs variables in place from a gradient dict with
 * PyTorch's semantics. Parameters without a gradient in a step are left untouched (as when
 * `p.grad is None`).
 */
export abstract class Optimizer {
  readonly paramGroups: ParamGroup[];
  protected readonly state = new Map<string, ParamState>();

  constructor(
    protected readonly params: Record<string, tf.Variable>,
    options: OptimizerOptions,
    groupDefaults: Record<string, unknown>,
  ) {
    // Catches snake_case keys carried over from MMDetection configs (weight_decay) and typos.
    const allowed = ['lr', 'weightDecay', 'paramwiseCfg', ...Object.keys(groupDefaults)];
    for (const key of Object.keys(options)) {
      if (!allowed.includes(key)) {
        const near = nearestName(key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), allowed);
        throw new DetError(
          `optimizer: unknown option '${key}' for ${new.target.name}${near ? ` (did you mean '${near}'?)` : ''}; options: ${allowed.join(', ')}`,
        );
      }
    }
    if (!(typeof options.lr === 'number' && options.lr >= 0)) {
      throw new DetError(`optimizer.lr must be a number >= 0, got ${JSON.stringify(options.lr)}`);
    }
    const names = Object.keys(params);
    const groups = buildParamGroups(names, { lr: options.lr, weightDecay: options.weightDecay ?? 0 }, options.paramwiseCfg);
    this.paramGroups = groups.map((g) => ({ ...structuredClone(groupDefaults), ...g }));
  }

  /** Applies one update from `grads` (not disposed here: the caller owns them). */
  step(grads: Record<string, tf.Tensor>): void {
    for (const name of Object.keys(grads)) {
      if (!(name in this.params)) throw new DetError(`optimizer.step: gradient for unknown parameter '${name}'`);
    }
    for (const group of this.paramGroups) {
      for (const name of group.params) {
        const grad = grads[name];
        if (!grad) continue;
        const param = this.params[name];
        if (grad.shape.join() !== param.shape.join()) {
          throw new DetError(`optimizer.step: gradient of '${name}' has shape [${grad.shape}] but the parameter has [${param.shape}]`);
        }
        const state = this.state.get(name) ?? {};
        this.state.set(name, state);
        this.updateParam(param, grad, group, state);
      }
    }
  }

  /** Kept for MMCV-shaped code; gradients are values here, so there is nothing to zero. */
  zeroGrad(): void {}

  /** One parameter's update; must replace (and dispose) the state tensors it changes. */
  protected abstract updateParam(param: tf.Variable, grad: tf.Tensor, group: ParamGroup, state: ParamState): void;

  /** Replaces a state tensor, keeping the new one alive past the surrounding tidy. */
  protected setStateTensor(state: ParamState, key: string, value: tf.Tensor): void {
    const old = state[key];
    state[key] = tf.keep(value);
    if (old instanceof tf.Tensor && old !== value) old.dispose();
  }

  /** The state tensors `stateDict()` reads (for `readToHost` before a checkpoint). */
  stateTensors(): tf.Tensor[] {
    return [...this.state.values()].flatMap((s) => Object.values(s).filter((v): v is tf.Tensor => v instanceof tf.Tensor));
  }

  stateDict(): OptimizerStateDict {
    const state: OptimizerStateDict['state'] = {};
    for (const [name, s] of this.state) {
      state[name] = Object.fromEntries(
        Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? v : tensorToNamedArray(v)]),
      );
    }
    return { type: this.constructor.name, paramGroups: structuredClone(this.paramGroups), state };
  }

  /** Restores groups' hyperparameters and per-parameter state saved by `stateDict()`. */
  loadStateDict(sd: OptimizerStateDict): void {
    if (!sd || !Array.isArray(sd.paramGroups)) throw new DetError('optimizer state: missing paramGroups');
    if (sd.type && sd.type !== this.constructor.name) {
      throw new DetError(`optimizer state was saved by ${sd.type} but this optimizer is ${this.constructor.name}`);
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new DetError(`optimizer state has ${sd.paramGroups.length} param groups but the optimizer has ${this.paramGroups.length}`);
    }
    sd.paramGroups.forEach((saved, i) => {
      const mine = this.paramGroups[i];
      if (saved.params.join('\n') !== mine.params.join('\n')) {
        throw new DetError(`optimizer state: param group ${i} holds other parameters (first: '${saved.params[0]}' vs '${mine.params[0]}')`);
      }
      Object.assign(mine, structuredClone(saved));
    });
    this.disposeState();
    for (const [name, s] of Object.entries(sd.state ?? {})) {
      const param = this.params[name];
      if (!param) throw new DetError(`optimizer state: unknown parameter '${name}'`);
      const restored: ParamState = {};
      for (const [k, v] of Object.entries(s)) {
        if (typeof v === 'number') restored[k] = v;
        else if (isNamedArray(v)) {
          if (v.shape.join() !== param.shape.join()) {
            throw new DetError(`optimizer state: '${name}.${k}' has shape [${v.shape}] but the parameter has [${param.shape}]`);
          }
          restored[k] = namedArrayToTensor(v);
        } else throw new DetError(`optimizer state: '${name}.${k}' is neither a number nor an array`);
      }
      this.state.set(name, restored);
    }
  }

  private disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof tf.Tensor) v.dispose();
    this.state.clear();
  }

  dispose(): void {
    this.disposeState();
  }
}
