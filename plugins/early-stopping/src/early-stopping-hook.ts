import * as fs from 'node:fs';
import * as path from 'node:path';
import { DetError } from '@det/registry';
import { Hook, type BaseRunner } from '@det/runner';

export interface EarlyStoppingOptions {
  /** Result key of the evaluation to watch, e.g. 'bbox_mAP' (COCO) or 'mAP' (VOC). */
  metric?: string;
  /** 'greater' (default for metrics) or 'less' (for losses). */
  rule?: 'greater' | 'less';
  /** Evaluations without an improvement of more than `minDelta` before training stops. */
  patience?: number;
  minDelta?: number;
  /** File in the work dir that records every score seen and why training stopped. */
  reportFile?: string;
}

/** What the hook remembers (saved in checkpoints so a resumed run keeps counting). */
interface EarlyStoppingState {
  best: number | null;
  bestAt: number | null;
  badEvaluations: number;
  history: { iter: number; epoch: number; value: number }[];
  stoppedAt: number | null;
}

/** Finds the score dict the last evaluation produced (EvalHook keeps it in `lastResults`). */
function evaluationResults(runner: BaseRunner): Record<string, number> | undefined {
  for (const hook of runner.hooks) {
    const results = (hook as { lastResults?: Record<string, number> }).lastResults;
    if (results && typeof results === 'object') return results;
  }
  return undefined;
}

/**
 * Stops training when `metric` has not improved for `patience` evaluations. Register it after the
 * evaluation hook (priority VERY_LOW, the default of this plugin's config examples) so it sees
 * each new score in the same iteration / epoch.
 */
export class EarlyStoppingHook extends Hook {
  readonly metric: string;
  readonly rule: 'greater' | 'less';
  readonly patience: number;
  readonly minDelta: number;
  readonly reportFile: string;
  private state: EarlyStoppingState = { best: null, bestAt: null, badEvaluations: 0, history: [], stoppedAt: null };
  private lastSeen: Record<string, number> | undefined;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    this.metric = options.metric ?? 'bbox_mAP';
    this.rule = options.rule ?? (this.metric.includes('loss') ? 'less' : 'greater');
    this.patience = options.patience ?? 3;
    this.minDelta = options.minDelta ?? 0;
    this.reportFile = options.reportFile ?? 'early_stopping.json';
    if (this.rule !== 'greater' && this.rule !== 'less') throw new DetError(`EarlyStoppingHook: rule must be 'greater' or 'less', got '${String(options.rule)}'`);
    if (!Number.isInteger(this.patience) || this.patience < 1) throw new DetError(`EarlyStoppingHook: patience must be a positive integer, got ${options.patience}`);
    if (!(this.minDelta >= 0)) throw new DetError(`EarlyStoppingHook: minDelta must be >= 0, got ${options.minDelta}`);
  }

  get best(): number | null {
    return this.state.best;
  }

  // Positions are reported as iterations done: the runner counts an iteration after its hooks.
  override afterTrainIter(runner: BaseRunner): void {
    this.check(runner, runner.iter + 1);
  }

  override afterTrainEpoch(runner: BaseRunner): void {
    this.check(runner, runner.iter);
  }

  /** Looks at a new evaluation (a new results object) once. */
  private check(runner: BaseRunner, iter: number): void {
    const results = evaluationResults(runner);
    if (!results || results === this.lastSeen) return;
    this.lastSeen = results;
    const value = results[this.metric];
    if (typeof value !== 'number') {
      throw new DetError(`EarlyStoppingHook: the evaluation has no '${this.metric}'; it has ${Object.keys(results).join(', ')}`);
    }
    const s = this.state;
    s.history.push({ iter, epoch: runner.epoch, value });
    const improved = s.best === null || (this.rule === 'greater' ? value > s.best + this.minDelta : value < s.best - this.minDelta);
    if (improved) {
      s.best = value;
      s.bestAt = iter;
      s.badEvaluations = 0;
    } else {
      s.badEvaluations++;
    }
    if (s.badEvaluations >= this.patience) {
      s.stoppedAt = iter;
      runner.stop = true;
      runner.logger.info(
        `early stopping: ${this.metric} has not improved for ${this.patience} evaluation(s) (best ${s.best} at iteration ${s.bestAt}); stopping after iteration ${iter}`,
      );
    }
    this.writeReport(runner);
  }

  private writeReport(runner: BaseRunner): void {
    const file = path.resolve(runner.workDir, this.reportFile);
    const report = { metric: this.metric, rule: this.rule, patience: this.patience, minDelta: this.minDelta, ...this.state };
    fs.writeFileSync(file, JSON.stringify(report, null, 2));
  }

  override stateDict(): Record<string, unknown> {
    return { ...this.state, history: [...this.state.history] };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    this.state = { ...this.state, ...(state as Partial<EarlyStoppingState>) };
  }
}
