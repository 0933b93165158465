import * as tf from '@tensorflow/tfjs-core';
import { DetError, HOOKS } from '@det/registry';
import { rejectUnknownOptions } from './options';
import { Hook, namedArrayToTensor, tensorToNamedArray, isNamedArray, type BaseRunner } from '@det/runner';

export interface EMAHookOptions {
  /** Weight of the current parameters in each update (MMCV's small `momentum`, e.g. 0.0002). */
  momentum?: number;
  interval?: number;
  /** Early updates use momentum min(m, (1 + iter) / (warmUp + iter)) so the average tracks fast at first. */
  warmUp?: number;
}

/**
 * MMCV's EMAHook: ema ← (1 − m)·ema + m·param every `interval` iterations (m = momentum^interval).
 * The EMA weights are swapped into the model at the end of each train epoch (so evaluation, and
 * a checkpoint saved by a later-running hook, see them) and swapped back at the next epoch's
 * start. The state records which side is in the model, so resume works whatever the hook order.
 */
@HOOKS.register()
export class EMAHook extends Hook {
  readonly momentum: number;
  readonly interval: number;
  readonly warmUp: number;
  private ema = new Map<string, tf.Tensor>();
  /** Whether the model currently holds the EMA weights (so a resume knows which way to swap). */
  private swapped = false;

  constructor(options: EMAHookOptions = {}, extraOptions: string[] = []) {
    super();
    rejectUnknownOptions(options, ['momentum', 'interval', 'warmUp', ...extraOptions], new.target.name);
    const momentum = options.momentum ?? 0.0002;
    this.interval = options.interval ?? 1;
    this.warmUp = options.warmUp ?? 100;
    if (!(momentum > 0 && momentum < 1)) throw new DetError(`EMAHook.momentum must be in (0, 1), got ${momentum}`);
    if (!(Number.isInteger(this.interval) && this.interval > 0)) throw new DetError(`EMAHook.interval must be a positive integer, got ${this.interval}`);
    this.momentum = Math.pow(momentum, this.interval);
  }

  override beforeRun(runner: BaseRunner): void {
    for (const [name, p] of Object.entries(runner.model.parameters())) {
      if (!this.ema.has(name)) this.ema.set(name, tf.keep(tf.clone(p)));
    }
  }

  /** Weight of the current parameters at iteration `iter` (MMCV: warm-up capped by momentum). */
  protected momentumAt(iter: number): number {
    return Math.min(this.momentum, (1 + iter) / (this.warmUp + iter));
  }

  /** MMCV's EMAHook updates when iter % interval == 0. */
  protected updatesAt(iter: number): boolean {
    return iter % this.interval === 0;
  }

  override afterTrainIter(runner: BaseRunner): void {
    const step = runner.iter;
    if (!this.updatesAt(step)) return;
    const m = this.momentumAt(step);
    for (const [name, p] of Object.entries(runner.model.parameters())) {
      const old = this.ema.get(name)!;
      this.ema.set(name, tf.tidy(() => tf.add(tf.mul(old, 1 - m), tf.mul(p, m))));
      old.dispose();
    }
  }

  override afterTrainEpoch(runner: BaseRunner): void {
    if (!this.swapped) this.swap(runner);
  }

  override beforeTrainEpoch(runner: BaseRunner): void {
    if (this.swapped) this.swap(runner);
  }

  private swap(runner: BaseRunner): void {
    for (const [name, p] of Object.entries(runner.model.parameters())) {
      const avg = this.ema.get(name);
      if (!avg) continue;
      const current = tf.clone(p);
      p.assign(avg);
      avg.dispose();
      this.ema.set(name, current);
    }
    this.swapped = !this.swapped;
  }

  /** The current EMA values (the model's own weights when swapped in). */
  emaWeights(): Record<string, tf.Tensor> {
    return Object.fromEntries(this.ema);
  }

  override stateTensors(): tf.Tensor[] {
    return [...this.ema.values()];
  }

  override stateDict(): Record<string, unknown> {
    return { swapped: this.swapped, ema: Object.fromEntries([...this.ema].map(([k, t]) => [k, tensorToNamedArray(t)])) };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    for (const t of this.ema.values()) t.dispose();
    this.ema.clear();
    this.swapped = state.swapped === true;
    for (const [k, a] of Object.entries((state.ema ?? {}) as Record<string, unknown>)) {
      if (!isNamedArray(a)) throw new DetError(`EMAHook state: '${k}' is not an array`);
      this.ema.set(k, namedArrayToTensor(a));
    }
  }
}

/**
 * MMDetection's ExpMomentumEMAHook (YOLOX): momentum (1 − m)·exp(−(1 + iter)/totalIter) + m,
 * so early iterations follow the weights closely; updates when (iter + 1) % interval == 0.
 * `momentum` is used as given (not raised to the interval's power).
 */
@HOOKS.register()
export class ExpMomentumEMAHook extends EMAHook {
  readonly totalIter: number;
  private readonly baseMomentum: number;

  constructor(options: EMAHookOptions & { totalIter?: number } = {}) {
    super(options, ['totalIter']);
    this.totalIter = options.totalIter ?? 2000;
    if (!(this.totalIter > 0)) throw new DetError(`ExpMomentumEMAHook.totalIter must be > 0, got ${this.totalIter}`);
    this.baseMomentum = options.momentum ?? 0.0002;
  }

  protected override momentumAt(iter: number): number {
    return (1 - this.baseMomentum) * Math.exp(-(1 + iter) / this.totalIter) + this.baseMomentum;
  }

  protected override updatesAt(iter: number): boolean {
    return (iter + 1) % this.interval === 0;
  }
}
