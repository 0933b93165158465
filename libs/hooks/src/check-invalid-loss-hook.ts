import { DetError, HOOKS } from '@det/registry';
import { Hook, type BaseRunner } from '@det/runner';
import { rejectUnknownOptions } from './options';

/** Stops training when the loss is NaN or ±Infinity (checked every `interval` iterations). */
@HOOKS.register()
export class CheckInvalidLossHook extends Hook {
  readonly interval: number;

  constructor(options: { interval?: number } = {}) {
    super();
    rejectUnknownOptions(options, ['interval'], 'CheckInvalidLossHook');
    this.interval = options.interval ?? 50;
  }

  override afterTrainIter(runner: BaseRunner): void {
    if (!this.everyNIters(runner, this.interval)) return;
    const loss = runner.outputs?.loss;
    if (typeof loss === 'number' && Number.isFinite(loss)) return;
    runner.stop = true;
    const terms = Object.entries(runner.outputs?.logVars ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');
    throw new DetError(
      `loss became ${loss} at epoch ${runner.epoch + 1}, iteration ${runner.innerIter + 1} (global iteration ${runner.iter + 1}); ` +
        `terms: ${terms || 'none'}. Lower the learning rate, add warm-up or gradient clipping (optimizerConfig.gradClip).`,
      { epoch: runner.epoch + 1, iter: runner.iter + 1, loss },
    );
  }
}
