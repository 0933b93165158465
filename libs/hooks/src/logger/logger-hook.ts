import { Hook, type BaseRunner } from '@det/runner';

export interface LoggerHookOptions {
  interval?: number;
  /** Skip the partial interval at the end of an epoch. */
  ignoreLast?: boolean;
  /** Clear the buffer's output after logging (the last logger hook always does). */
  resetFlag?: boolean;
  byEpoch?: boolean;
}

/** MMCV's LoggerHook: averages the log buffer every `interval` iterations and calls `log`. */
export abstract class LoggerHook extends Hook {
  readonly interval: number;
  readonly ignoreLast: boolean;
  resetFlag: boolean;
  readonly byEpoch: boolean;

  constructor(options: LoggerHookOptions = {}) {
    super();
    this.interval = options.interval ?? 10;
    this.ignoreLast = options.ignoreLast ?? true;
    this.resetFlag = options.resetFlag ?? false;
    this.byEpoch = options.byEpoch ?? true;
  }

  abstract log(runner: BaseRunner): unknown;

  override beforeRun(runner: BaseRunner): void {
    // Only the last logger clears the output, so every logger sees the same averages.
    for (let i = runner.hooks.length - 1; i >= 0; i--) {
      const h = runner.hooks[i];
      if (h instanceof LoggerHook) {
        h.resetFlag = true;
        break;
      }
    }
  }

  override beforeEpoch(runner: BaseRunner): void {
    runner.logBuffer.clear();
  }

  override async afterTrainIter(runner: BaseRunner): Promise<void> {
    if (this.byEpoch && this.everyNInnerIters(runner, this.interval)) runner.logBuffer.average(this.interval);
    else if (!this.byEpoch && this.everyNIters(runner, this.interval)) runner.logBuffer.average(this.interval);
    else if (this.endOfEpoch(runner) && !this.ignoreLast) runner.logBuffer.average(this.interval);
    if (runner.logBuffer.ready) await this.flush(runner);
  }

  override async afterTrainEpoch(runner: BaseRunner): Promise<void> {
    if (runner.logBuffer.ready) await this.flush(runner);
  }

  override async afterValEpoch(runner: BaseRunner): Promise<void> {
    runner.logBuffer.average();
    await this.flush(runner);
  }

  private async flush(runner: BaseRunner): Promise<void> {
    await this.log(runner);
    if (this.resetFlag) runner.logBuffer.clearOutput();
  }

  getMode(runner: BaseRunner): 'train' | 'val' {
    if (runner.mode === 'train') return 'time' in runner.logBuffer.output ? 'train' : 'val';
    return 'val';
  }

  /** 1-based epoch; in val mode the runner has already counted the finished train epoch. */
  getEpoch(runner: BaseRunner): number {
    return runner.mode === 'train' ? runner.epoch + 1 : runner.epoch;
  }

  getIter(runner: BaseRunner, innerIter = false): number {
    return this.byEpoch && innerIter ? runner.innerIter + 1 : runner.iter + 1;
  }
}
