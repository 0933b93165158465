import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';

/** What `loadStateDict` did: keys the model wanted but did not get, extra keys, and shape clashes. */
export interface LoadReport {
  missing: string[];
  unexpected: string[];
  mismatched: { key: string; expected: number[]; got: number[] }[];
}

export interface LoadOptions {
  /** Throw when anything is missing, unexpected or mismatched (default true, as PyTorch). */
  strict?: boolean;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Base of every layer, backbone, neck, head and detector, modelled on torch.nn.Module: a tree of
 * named children owning `tf.Variable` parameters and buffers, so names such as
 * `backbone.layer1.0.conv1.weight` come out of the tree and match MMDetection checkpoints.
 */
export abstract class Module {
  training = true;
  private readonly childModules = new Map<string, Module>();
  private readonly params = new Map<string, tf.Variable>();
  private readonly buffers = new Map<string, tf.Variable>();

  /** Adds (or replaces) a child under `name`; returns it for `this.conv = this.addModule(...)`. */
  addModule<M extends Module>(name: string, module: M): M {
    if (name.includes('.')) throw new DetError(`Module: child name '${name}' must not contain '.'`);
    this.childModules.get(name)?.dispose();
    this.childModules.set(name, module);
    return module;
  }

  /** Wraps `value` (kept, not copied) as a trainable variable named `name`. */
  addParameter(name: string, value: tf.Tensor, trainable = true): tf.Variable {
    const v = tf.variable(value, trainable);
    value.dispose();
    this.params.set(name, v);
    return v;
  }

  /** State that is saved and loaded but never trained (BatchNorm running statistics). */
  addBuffer(name: string, value: tf.Tensor): tf.Variable {
    const v = tf.variable(value, false);
    value.dispose();
    this.buffers.set(name, v);
    return v;
  }

  children(): [string, Module][] {
    return [...this.childModules.entries()];
  }

  /** Every (dotted name, module) pair below and including this one. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.childModules) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Every parameter, trainable or frozen, by dotted name. */
  namedParameters(): [string, tf.Variable][] {
    return this.collect((m) => m.params);
  }

  namedBuffers(): [string, tf.Variable][] {
    return this.collect((m) => m.buffers);
  }

  /** Trainable parameters only — the set gradients are taken for. */
  parameters(): Record<string, tf.Variable> {
    return Object.fromEntries(this.namedParameters().filter(([, v]) => v.trainable));
  }

  /** Freezes or unfreezes every parameter below this module (torch's `requires_grad_`). */
  requiresGrad(flag: boolean): this {
    for (const [, v] of this.namedParameters()) v.trainable = flag;
    return this;
  }

  /** Parameters and buffers by name. The tensors are the live variables: clone to keep a snapshot. */
  stateDict(): Record<string, tf.Tensor> {
    return Object.fromEntries([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies matching tensors into this module's variables. Non-strict loads whatever fits and
   * reports the rest; strict throws a DetError listing the problems and changes nothing.
   */
  loadStateDict(sd: Record<string, tf.Tensor>, options: LoadOptions = {}): LoadReport {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const report: LoadReport = { missing: [], unexpected: [], mismatched: [] };
    const toLoad: [tf.Variable, tf.Tensor][] = [];
    for (const [key, target] of Object.entries(own)) {
      const src = sd[key];
      if (!src) report.missing.push(key);
      else if (!sameShape(src.shape, target.shape)) report.mismatched.push({ key, expected: [...target.shape], got: [...src.shape] });
      else toLoad.push([target as tf.Variable, src]);
    }
    for (const key of Object.keys(sd)) if (!(key in own)) report.unexpected.push(key);
    if (strict && (report.missing.length || report.unexpected.length || report.mismatched.length)) {
      throw new DetError(`loadStateDict (strict): state dict does not match the model\n${formatLoadReport(report)}`, { report });
    }
    for (const [v, src] of toLoad) {
      // assign shares the copy's data; the copy's own handle must go, or each load leaks a tensor
      const copy = tf.tidy(() => (src.dtype === v.dtype ? tf.clone(src) : tf.cast(src, v.dtype)));
      v.assign(copy);
      copy.dispose();
    }
    return report;
  }

  /** Switches train/eval mode for the whole tree, then lets each module react (normEval, frozen stages). */
  train(mode = true): this {
    this.training = mode;
    for (const [, child] of this.childModules) child.train(mode);
    this.afterTrainMode(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Hook for subclasses that keep parts in eval mode whatever the requested mode. */
  protected afterTrainMode(_mode: boolean): void {}

  /** Frees every variable below this module. */
  dispose(): void {
    for (const [, child] of this.childModules) child.dispose();
    for (const v of [...this.params.values(), ...this.buffers.values()]) if (!v.isDisposed) v.dispose();
    this.childModules.clear();
    this.params.clear();
    this.buffers.clear();
  }

  private collect(pick: (m: Module) => Map<string, tf.Variable>): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, v] of pick(m)) out.push([prefix ? `${prefix}.${name}` : name, v]);
    }
    return out;
  }
}

/** Human-readable lines for a LoadReport (used in errors and logs). */
export function formatLoadReport(r: LoadReport): string {
  const lines: string[] = [];
  if (r.missing.length) lines.push(`  missing keys (${r.missing.length}): ${r.missing.join(', ')}`);
  if (r.unexpected.length) lines.push(`  unexpected keys (${r.unexpected.length}): ${r.unexpected.join(', ')}`);
  for (const m of r.mismatched) lines.push(`  shape mismatch for ${m.key}: model [${m.expected}], checkpoint [${m.got}]`);
  return lines.join('\n') || '  (all keys matched)';
}

/** A module mapping one tensor to one tensor. */
export abstract class Layer extends Module {
  abstract forward(x: tf.Tensor): tf.Tensor;
}

/** Children named '0', '1', ... applied in order (torch.nn.Sequential). */
export class Sequential extends Layer {
  readonly layers: Layer[];
  constructor(layers: Layer[]) {
    super();
    this.layers = layers;
    layers.forEach((l, i) => this.addModule(String(i), l));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = x;
      for (const l of this.layers) y = l.forward(y);
      return y;
    });
  }
}

/** Children named '0', '1', ... without a forward of their own (torch.nn.ModuleList). */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: M[];
  constructor(items: M[]) {
    super();
    this.items = items;
    items.forEach((m, i) => this.addModule(String(i), m));
  }
}
