import { HOOKS } from '@det/registry';
import { Hook, type BaseRunner } from '@det/runner';

const now = () => performance.now() / 1000;

/** Logs `data_time` (waiting for the batch) and `time` (whole iteration) in seconds, as MMCV. */
@HOOKS.register()
export class IterTimerHook extends Hook {
  private t = now();

  override beforeEpoch(): void {
    this.t = now();
  }

  override beforeIter(runner: BaseRunner): void {
    runner.logBuffer.update({ data_time: now() - this.t });
  }

  override afterIter(runner: BaseRunner): void {
    runner.logBuffer.update({ time: now() - this.t });
    this.t = now();
  }
}
