import { DetError } from '@det/registry';
import { Hook, type BaseRunner } from '@det/runner';

/** Options every LR policy hook accepts. */
export const LR_BASE_OPTIONS = ['byEpoch', 'warmup', 'warmupIters', 'warmupRatio', 'warmupByEpoch'];

export type WarmupKind = 'constant' | 'linear' | 'exp';

export interface LrUpdaterOptions {
  /** Schedule by epoch (LR changes at epoch starts) or by iteration. */
  byEpoch?: boolean;
  warmup?: WarmupKind | null;
  /** Warm-up length in iterations (in epochs when warmupByEpoch). */
  warmupIters?: number;
  /** LR at the first warm-up iteration, relative to the regular LR. */
  warmupRatio?: number;
  warmupByEpoch?: boolean;
}

/**
 * MMCV's LrUpdaterHook. Subclasses give `getLr(runner, baseLr)`; this sets each param group's lr
 * at epoch starts (byEpoch) or every iteration, with warm-up over the first iterations:
 * constant  lr·ratio;  linear  lr·(1 − (1 − i/W)(1 − ratio));  exp  lr·ratio^(1 − i/W).
 */
export abstract class LrUpdaterHook extends Hook {
  readonly byEpoch: boolean;
  readonly warmup: WarmupKind | undefined;
  warmupIters: number | undefined;
  readonly warmupRatio: number;
  readonly warmupEpochs: number | undefined;
  baseLr: number[] = [];
  regularLr: number[] = [];

  constructor(options: LrUpdaterOptions = {}) {
    super();
    const warmup = options.warmup ?? undefined;
    if (warmup !== undefined && !['constant', 'linear', 'exp'].includes(warmup)) {
      throw new DetError(`lrConfig.warmup: '${warmup}' is not supported; use 'constant', 'linear' or 'exp'`);
    }
    const warmupIters = options.warmupIters ?? 0;
    const warmupRatio = options.warmupRatio ?? 0.1;
    if (warmup !== undefined) {
      if (!(warmupIters > 0)) throw new DetError(`lrConfig.warmupIters must be > 0 with warmup '${warmup}', got ${warmupIters}`);
      if (!(warmupRatio > 0 && warmupRatio <= 1)) throw new DetError(`lrConfig.warmupRatio must be in (0, 1], got ${warmupRatio}`);
    }
    this.byEpoch = options.byEpoch ?? true;
    this.warmup = warmup;
    this.warmupRatio = warmupRatio;
    if (options.warmupByEpoch) {
      this.warmupEpochs = warmupIters;
      this.warmupIters = undefined;
    } else {
      this.warmupIters = warmupIters;
    }
  }

  abstract getLr(runner: BaseRunner, baseLr: number): number;

  getRegularLr(runner: BaseRunner): number[] {
    return this.baseLr.map((lr) => this.getLr(runner, lr));
  }

  getWarmupLr(curIter: number): number[] {
    const W = this.warmupIters!;
    return this.regularLr.map((lr) => {
      if (this.warmup === 'constant') return lr * this.warmupRatio;
      if (this.warmup === 'linear') return lr * (1 - (1 - curIter / W) * (1 - this.warmupRatio));
      return lr * Math.pow(this.warmupRatio, 1 - curIter / W);
    });
  }

  protected setLr(runner: BaseRunner, lrs: number[]): void {
    optimizerOf(runner).paramGroups.forEach((g, i) => (g.lr = lrs[i]));
  }

  override beforeRun(runner: BaseRunner): void {
    // initialLr survives in the optimizer state, so a resumed run schedules from the same base.
    for (const g of optimizerOf(runner).paramGroups) g.initialLr ??= g.lr;
    this.baseLr = optimizerOf(runner).paramGroups.map((g) => g.initialLr!);
  }

  override beforeTrainEpoch(runner: BaseRunner): void {
    if (this.warmupIters === undefined) this.warmupIters = this.warmupEpochs! * (runner.dataLoader?.length ?? 0);
    if (!this.byEpoch) return;
    this.regularLr = this.getRegularLr(runner);
    this.setLr(runner, this.regularLr);
  }

  override beforeTrainIter(runner: BaseRunner): void {
    const cur = runner.iter;
    if (!this.byEpoch) {
      this.regularLr = this.getRegularLr(runner);
      if (this.warmup === undefined || cur >= this.warmupIters!) this.setLr(runner, this.regularLr);
      else this.setLr(runner, this.getWarmupLr(cur));
    } else {
      // By-epoch schedules get their regular lr at epoch starts; compute it if none came yet.
      if (!this.regularLr.length) this.regularLr = this.getRegularLr(runner);
      if (this.warmup === undefined || cur > this.warmupIters!) return;
      if (cur === this.warmupIters) this.setLr(runner, this.regularLr);
      else this.setLr(runner, this.getWarmupLr(cur));
    }
  }
}

export function optimizerOf(runner: BaseRunner) {
  if (!runner.optimizer) throw new DetError('LR/momentum hooks need runner.optimizer (the config has no optimizer)');
  return runner.optimizer;
}

/** Progress and its maximum in the unit of the schedule. */
export function progressOf(runner: BaseRunner, byEpoch: boolean): [number, number] {
  const max = byEpoch ? runner.maxEpochs : runner.maxIters;
  if (max === undefined) throw new DetError(`this LR policy needs runner.${byEpoch ? 'maxEpochs' : 'maxIters'}; set byEpoch: ${!byEpoch} or use the other runner`);
  return [byEpoch ? runner.epoch : runner.iter, max];
}
