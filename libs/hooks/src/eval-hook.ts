import * as path from 'node:path';
import { DetError, HOOKS } from '@det/registry';
import { Hook, getCheckpointStore, type BaseRunner, type DataLoaderLike, type RunnerDetResult, type RunnerModel } from '@det/runner';
import { LoggerHook } from './logger/logger-hook';

export interface EvalHookOptions {
  /** The validation loader; its `dataset.evaluate(results, { metric, … })` scores the results. */
  dataloader: DataLoaderLike;
  interval?: number;
  byEpoch?: boolean;
  /** First epoch/iteration to evaluate at (then every `interval`). */
  start?: number;
  /** Passed to dataset.evaluate, e.g. 'bbox' or 'mAP'. */
  metric?: string | string[];
  /** Keep the best checkpoint by this result key; 'auto' takes the first key returned. */
  saveBest?: string | null;
  rule?: 'greater' | 'less';
  greaterKeys?: string[];
  lessKeys?: string[];
  outDir?: string;
  /** Further options for dataset.evaluate. */
  [evalOption: string]: unknown;
}

const GREATER_KEYS = ['acc', 'top', 'AR@', 'auc', 'precision', 'mAP', 'mDice', 'mIoU', 'mAcc', 'aAcc'];
const LESS_KEYS = ['loss'];

/** Runs forwardTest over a loader (rescaled to original image size) and concatenates the results. */
export async function singleDeviceTest(model: RunnerModel, loader: DataLoaderLike): Promise<RunnerDetResult[]> {
  model.train(false);
  const results: RunnerDetResult[] = [];
  for await (const batch of { [Symbol.asyncIterator]: () => loader[Symbol.asyncIterator]() }) {
    results.push(...(await model.forwardTest(batch, { rescale: true })));
  }
  return results;
}

/**
 * MMCV/MMDetection's EvalHook: evaluates after every `interval` train epochs (or iterations),
 * puts the scores into the log buffer for the loggers, and with `saveBest` keeps one
 * `best_<key>_epoch_<n>.safetensors`, removing the previous best. Best score and path live in
 * `runner.meta.hookMsgs`, so they survive a resume.
 */
@HOOKS.register()
export class EvalHook extends Hook {
  readonly dataloader: DataLoaderLike;
  readonly interval: number;
  readonly byEpoch: boolean;
  readonly start: number | undefined;
  readonly saveBest: string | undefined;
  readonly evalOptions: Record<string, unknown>;
  readonly greaterKeys: string[];
  readonly lessKeys: string[];
  outDir: string | undefined;
  rule: 'greater' | 'less' | undefined;
  keyIndicator: string | undefined;
  bestCkptPath: string | undefined;
  /** Last scores, for callers and tests. */
  lastResults: Record<string, number> | undefined;

  constructor(options: EvalHookOptions) {
    super();
    const { dataloader, interval = 1, byEpoch = true, start, saveBest, rule, greaterKeys, lessKeys, outDir, ...evalOptions } = options;
    if (!dataloader || typeof dataloader[Symbol.asyncIterator] !== 'function') {
      throw new DetError('EvalHook: options.dataloader must be a data loader (async-iterable with .dataset)');
    }
    if (!(interval > 0)) throw new DetError(`evaluation.interval must be > 0, got ${interval}`);
    if (start !== undefined && start < 0) throw new DetError(`evaluation.start must be >= 0, got ${start}`);
    if (rule !== undefined && rule !== 'greater' && rule !== 'less') throw new DetError(`evaluation.rule must be 'greater' or 'less', got '${rule}'`);
    this.dataloader = dataloader;
    this.interval = interval;
    this.byEpoch = byEpoch;
    this.start = start;
    this.saveBest = saveBest ?? undefined;
    this.evalOptions = evalOptions;
    this.greaterKeys = [...GREATER_KEYS, ...(greaterKeys ?? [])];
    this.lessKeys = [...LESS_KEYS, ...(lessKeys ?? [])];
    this.outDir = outDir;
    if (this.saveBest !== undefined) this.initRule(rule, this.saveBest);
  }

  /** MMCV's rule inference: exact key match first, then substring match, greater keys before less. */
  private initRule(rule: 'greater' | 'less' | undefined, key: string): void {
    if (rule === undefined && key !== 'auto') {
      const lc = key.toLowerCase();
      const g = this.greaterKeys.map((k) => k.toLowerCase());
      const l = this.lessKeys.map((k) => k.toLowerCase());
      if (g.includes(lc)) rule = 'greater';
      else if (l.includes(lc)) rule = 'less';
      else if (g.some((k) => lc.includes(k))) rule = 'greater';
      else if (l.some((k) => lc.includes(k))) rule = 'less';
      else throw new DetError(`evaluation.saveBest: cannot tell whether '${key}' is better greater or less; set evaluation.rule`);
    }
    this.rule = rule;
    this.keyIndicator = key;
  }

  override beforeRun(runner: BaseRunner): void {
    this.outDir ??= runner.workDir;
    if (this.saveBest !== undefined) {
      const msgs = ((runner.meta.hookMsgs as Record<string, unknown>) ??= {});
      this.bestCkptPath = msgs.bestCkpt as string | undefined;
    }
  }

  private shouldEvaluate(runner: BaseRunner): boolean {
    const current = this.byEpoch ? runner.epoch : runner.iter;
    const due = this.byEpoch ? this.everyNEpochs(runner, this.interval) : this.everyNIters(runner, this.interval);
    if (this.start === undefined) return due;
    if (current + 1 < this.start) return false;
    return (current + 1 - this.start) % this.interval === 0;
  }

  /** With `start` at or below the current epoch/iteration, MMCV evaluates once before training. */
  private initialDone = false;

  override async beforeTrainEpoch(runner: BaseRunner): Promise<void> {
    if (!this.byEpoch || this.initialDone) return;
    this.initialDone = true;
    if (this.start !== undefined && runner.epoch >= this.start) await this.afterTrainEpoch(runner);
  }

  override async beforeTrainIter(runner: BaseRunner): Promise<void> {
    if (this.byEpoch || this.initialDone) return;
    this.initialDone = true;
    if (this.start !== undefined && runner.iter >= this.start) await this.afterTrainIter(runner);
  }

  override async afterTrainEpoch(runner: BaseRunner): Promise<void> {
    if (this.byEpoch && this.shouldEvaluate(runner)) await this.doEvaluate(runner);
  }

  override async afterTrainIter(runner: BaseRunner): Promise<void> {
    if (!this.byEpoch && this.shouldEvaluate(runner)) {
      // As MMCV: this hook runs before the loggers, so flush the training log first and clear the
      // buffer, or the evaluation scores would be printed inside a training line.
      for (const hook of runner.hooks) if (hook instanceof LoggerHook) await hook.afterTrainIter(runner);
      runner.logBuffer.clear();
      await this.doEvaluate(runner);
    }
  }

  private async doEvaluate(runner: BaseRunner): Promise<void> {
    const results = await singleDeviceTest(runner.model, this.dataloader);
    runner.model.train(true);
    runner.logBuffer.output.eval_iter_num = this.dataloader.length;
    const keyScore = await this.evaluate(runner, results);
    if (this.saveBest !== undefined && keyScore !== undefined) await this.saveBestCkpt(runner, keyScore);
  }

  async evaluate(runner: BaseRunner, results: RunnerDetResult[]): Promise<number | undefined> {
    const dataset = this.dataloader.dataset;
    if (!dataset?.evaluate) throw new DetError('EvalHook: the validation loader has no dataset with evaluate(results, options)');
    const scores = await dataset.evaluate(results, this.evalOptions);
    this.lastResults = scores;
    for (const [k, v] of Object.entries(scores)) runner.logBuffer.output[k] = v;
    runner.logBuffer.ready = true;
    if (this.saveBest === undefined) return undefined;
    const keys = Object.keys(scores);
    if (!keys.length) {
      runner.logger.warn('EvalHook: evaluation returned no scores; the best checkpoint is not updated');
      return undefined;
    }
    if (this.keyIndicator === 'auto') this.initRule(this.rule, keys[0]);
    const score = scores[this.keyIndicator!];
    if (score === undefined) throw new DetError(`evaluation.saveBest: '${this.keyIndicator}' is not among the scores (${keys.join(', ')})`);
    return score;
  }

  private async saveBestCkpt(runner: BaseRunner, keyScore: number): Promise<void> {
    const [type, time] = this.byEpoch ? ['epoch', runner.epoch + 1] : ['iter', runner.iter + 1];
    const msgs = ((runner.meta.hookMsgs as Record<string, unknown>) ??= {});
    const best = (msgs.bestScore as number | undefined) ?? (this.rule === 'greater' ? -Infinity : Infinity);
    const better = this.rule === 'greater' ? keyScore > best : keyScore < best;
    if (!better) return;
    msgs.bestScore = keyScore;
    const store = getCheckpointStore();
    if (this.bestCkptPath && (await store.exists(this.bestCkptPath))) {
      await store.remove(this.bestCkptPath);
      runner.logger.info(`The previous best checkpoint ${this.bestCkptPath} was removed`);
    }
    const name = `best_${this.keyIndicator}_${type}_${time}.safetensors`;
    this.bestCkptPath = path.join(this.outDir!, name);
    msgs.bestCkpt = this.bestCkptPath;
    await runner.saveCheckpoint(this.outDir!, { filenameTmpl: name, createLatest: false });
    runner.logger.info(`Now best checkpoint is saved as ${name}.`);
    runner.logger.info(`Best ${this.keyIndicator} is ${keyScore.toFixed(4)} at ${time} ${type}.`);
  }
}
