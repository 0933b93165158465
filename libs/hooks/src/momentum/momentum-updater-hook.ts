import { DetError, HOOKS } from '@det/registry';
import { Hook, type BaseRunner } from '@det/runner';
import { annealingCos } from '../lr/annealing';
import { optimizerOf, progressOf, type WarmupKind } from '../lr/lr-updater-hook';
import { rejectUnknownOptions } from '../options';

const MOMENTUM_BASE_OPTIONS = ['byEpoch', 'warmup', 'warmupIters', 'warmupRatio'];

export interface MomentumUpdaterOptions {
  byEpoch?: boolean;
  warmup?: WarmupKind | null;
  warmupIters?: number;
  warmupRatio?: number;
}

/**
 * MMCV's MomentumUpdaterHook: writes `momentum` (SGD) or `betas[0]` (Adam) of each group.
 * Warm-up divides by the LR warm-up factor (momentum starts high and decays to the regular value).
 */
export abstract class MomentumUpdaterHook extends Hook {
  readonly byEpoch: boolean;
  readonly warmup: WarmupKind | undefined;
  readonly warmupIters: number;
  readonly warmupRatio: number;
  baseMomentum: number[] = [];
  regularMomentum: number[] = [];

  constructor(options: MomentumUpdaterOptions = {}) {
    super();
    this.byEpoch = options.byEpoch ?? true;
    this.warmup = options.warmup ?? undefined;
    this.warmupIters = options.warmupIters ?? 0;
    this.warmupRatio = options.warmupRatio ?? 0.9;
    if (this.warmup !== undefined) {
      if (!['constant', 'linear', 'exp'].includes(this.warmup)) throw new DetError(`momentumConfig.warmup: '${this.warmup}' is not supported`);
      if (!(this.warmupIters > 0)) throw new DetError(`momentumConfig.warmupIters must be > 0, got ${this.warmupIters}`);
      if (!(this.warmupRatio > 0 && this.warmupRatio <= 1)) throw new DetError(`momentumConfig.warmupRatio must be in (0, 1], got ${this.warmupRatio}`);
    }
  }

  abstract getMomentum(runner: BaseRunner, baseMomentum: number): number;

  getWarmupMomentum(curIter: number): number[] {
    return this.regularMomentum.map((m) => {
      if (this.warmup === 'constant') return m / this.warmupRatio;
      if (this.warmup === 'linear') return m / (1 - (1 - curIter / this.warmupIters) * (1 - this.warmupRatio));
      return m / Math.pow(this.warmupRatio, 1 - curIter / this.warmupIters);
    });
  }

  protected setMomentum(runner: BaseRunner, values: number[]): void {
    optimizerOf(runner).paramGroups.forEach((g, i) => {
      if (g.momentum !== undefined) g.momentum = values[i];
      else if (g.betas) g.betas = [values[i], g.betas[1]];
    });
  }

  override beforeRun(runner: BaseRunner): void {
    for (const g of optimizerOf(runner).paramGroups) g.initialMomentum ??= g.momentum ?? g.betas?.[0] ?? 0;
    this.baseMomentum = optimizerOf(runner).paramGroups.map((g) => g.initialMomentum!);
  }

  override beforeTrainEpoch(runner: BaseRunner): void {
    if (!this.byEpoch) return;
    this.regularMomentum = this.baseMomentum.map((m) => this.getMomentum(runner, m));
    this.setMomentum(runner, this.regularMomentum);
  }

  override beforeTrainIter(runner: BaseRunner): void {
    const cur = runner.iter;
    if (!this.byEpoch) {
      this.regularMomentum = this.baseMomentum.map((m) => this.getMomentum(runner, m));
      if (this.warmup === undefined || cur >= this.warmupIters) this.setMomentum(runner, this.regularMomentum);
      else this.setMomentum(runner, this.getWarmupMomentum(cur));
    } else {
      if (!this.regularMomentum.length) this.regularMomentum = this.baseMomentum.map((m) => this.getMomentum(runner, m));
      if (this.warmup === undefined || cur > this.warmupIters) return;
      if (cur === this.warmupIters) this.setMomentum(runner, this.regularMomentum);
      else this.setMomentum(runner, this.getWarmupMomentum(cur));
    }
  }
}

/** Half-cosine from the base momentum to minMomentum (or base·minMomentumRatio). */
@HOOKS.register()
export class CosineAnnealingMomentumUpdaterHook extends MomentumUpdaterHook {
  readonly minMomentum: number | undefined;
  readonly minMomentumRatio: number | undefined;

  constructor(options: MomentumUpdaterOptions & { minMomentum?: number; minMomentumRatio?: number } = {}) {
    rejectUnknownOptions(options, [...MOMENTUM_BASE_OPTIONS, 'minMomentum', 'minMomentumRatio'], 'momentumConfig (CosineAnnealingMomentumUpdaterHook)');
    super(options);
    if ((options.minMomentum === undefined) === (options.minMomentumRatio === undefined)) {
      throw new DetError('momentumConfig: CosineAnnealing needs exactly one of minMomentum and minMomentumRatio');
    }
    this.minMomentum = options.minMomentum;
    this.minMomentumRatio = options.minMomentumRatio;
  }

  getMomentum(runner: BaseRunner, base: number): number {
    const [progress, max] = progressOf(runner, this.byEpoch);
    const target = this.minMomentumRatio !== undefined ? base * this.minMomentumRatio : this.minMomentum!;
    return annealingCos(base, target, progress / max);
  }
}

/** momentum = base · gamma^k (k = steps passed), clipped below at minMomentum; gamma 0.5 by default as MMCV. */
@HOOKS.register()
export class StepMomentumUpdaterHook extends MomentumUpdaterHook {
  readonly step: number | number[];
  readonly gamma: number;
  readonly minMomentum: number | undefined;

  constructor(options: MomentumUpdaterOptions & { step: number | number[]; gamma?: number; minMomentum?: number }) {
    rejectUnknownOptions(options, [...MOMENTUM_BASE_OPTIONS, 'step', 'gamma', 'minMomentum'], 'momentumConfig (StepMomentumUpdaterHook)');
    super(options);
    const step = options.step;
    const ok = Array.isArray(step) ? step.every((s) => Number.isInteger(s) && s > 0) : Number.isInteger(step) && step > 0;
    if (!ok) throw new DetError(`momentumConfig.step must be a positive integer or a list of them, got ${JSON.stringify(step)}`);
    this.step = step;
    this.gamma = options.gamma ?? 0.5;
    this.minMomentum = options.minMomentum;
  }

  getMomentum(runner: BaseRunner, base: number): number {
    const progress = this.byEpoch ? runner.epoch : runner.iter;
    let exp = typeof this.step === 'number' ? Math.floor(progress / this.step) : this.step.findIndex((s) => progress < s);
    if (exp < 0) exp = (this.step as number[]).length;
    const m = base * Math.pow(this.gamma, exp);
    return this.minMomentum !== undefined ? Math.max(m, this.minMomentum) : m;
  }
}
