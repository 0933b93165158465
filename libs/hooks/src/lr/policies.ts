import { DetError, HOOKS } from '@det/registry';
import type { BaseRunner } from '@det/runner';
import { annealingCos } from './annealing';
import { LR_BASE_OPTIONS, LrUpdaterHook, progressOf, type LrUpdaterOptions } from './lr-updater-hook';
import { rejectUnknownOptions } from '../options';

/** Constant LR (warm-up still applies). */
@HOOKS.register()
export class FixedLrUpdaterHook extends LrUpdaterHook {
  constructor(options: LrUpdaterOptions = {}) {
    rejectUnknownOptions(options, LR_BASE_OPTIONS, 'lrConfig (FixedLrUpdaterHook)');
    super(options);
  }

  getLr(_runner: BaseRunner, baseLr: number): number {
    return baseLr;
  }
}

/** lr = base · gamma^k, k = steps passed (list) or ⌊progress/step⌋ (int), clipped below at minLr. */
@HOOKS.register()
export class StepLrUpdaterHook extends LrUpdaterHook {
  readonly step: number | number[];
  readonly gamma: number;
  readonly minLr: number | undefined;

  constructor(options: LrUpdaterOptions & { step: number | number[]; gamma?: number; minLr?: number }) {
    rejectUnknownOptions(options, [...LR_BASE_OPTIONS, 'step', 'gamma', 'minLr'], 'lrConfig (StepLrUpdaterHook)');
    super(options);
    const step = options.step;
    const ok = Array.isArray(step) ? step.every((s) => Number.isInteger(s) && s > 0) : Number.isInteger(step) && step > 0;
    if (!ok) throw new DetError(`lrConfig.step must be a positive integer or a list of them, got ${JSON.stringify(step)}`);
    this.step = step;
    this.gamma = options.gamma ?? 0.1;
    this.minLr = options.minLr ?? undefined;
  }

  getLr(runner: BaseRunner, baseLr: number): number {
    const progress = this.byEpoch ? runner.epoch : runner.iter;
    let exp: number;
    if (typeof this.step === 'number') exp = Math.floor(progress / this.step);
    else {
      exp = this.step.findIndex((s) => progress < s);
      if (exp < 0) exp = this.step.length;
    }
    const lr = baseLr * Math.pow(this.gamma, exp);
    return this.minLr !== undefined ? Math.max(lr, this.minLr) : lr;
  }
}

/** lr = (base − minLr)·(1 − progress/max)^power + minLr. */
@HOOKS.register()
export class PolyLrUpdaterHook extends LrUpdaterHook {
  readonly power: number;
  readonly minLr: number;

  constructor(options: LrUpdaterOptions & { power?: number; minLr?: number } = {}) {
    rejectUnknownOptions(options, [...LR_BASE_OPTIONS, 'power', 'minLr'], 'lrConfig (PolyLrUpdaterHook)');
    super(options);
    this.power = options.power ?? 1;
    this.minLr = options.minLr ?? 0;
  }

  getLr(runner: BaseRunner, baseLr: number): number {
    const [progress, max] = progressOf(runner, this.byEpoch);
    return (baseLr - this.minLr) * Math.pow(1 - progress / max, this.power) + this.minLr;
  }
}

/** Half-cosine from base to minLr (or base·minLrRatio) over the whole run. */
@HOOKS.register()
export class CosineAnnealingLrUpdaterHook extends LrUpdaterHook {
  readonly minLr: number | undefined;
  readonly minLrRatio: number | undefined;

  constructor(options: LrUpdaterOptions & { minLr?: number; minLrRatio?: number } = {}) {
    rejectUnknownOptions(options, [...LR_BASE_OPTIONS, 'minLr', 'minLrRatio'], 'lrConfig (CosineAnnealingLrUpdaterHook)');
    super(options);
    if ((options.minLr === undefined) === (options.minLrRatio === undefined)) {
      throw new DetError('lrConfig: CosineAnnealing needs exactly one of minLr and minLrRatio');
    }
    this.minLr = options.minLr;
    this.minLrRatio = options.minLrRatio;
  }

  getLr(runner: BaseRunner, baseLr: number): number {
    const [progress, max] = progressOf(runner, this.byEpoch);
    const target = this.minLrRatio !== undefined ? baseLr * this.minLrRatio : this.minLr!;
    return annealingCos(baseLr, target, progress / max);
  }
}
