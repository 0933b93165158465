import * as path from 'node:path';
import { DetError, HOOKS } from '@det/registry';
import { Hook, getCheckpointStore, type BaseRunner } from '@det/runner';
import { rejectUnknownOptions } from './options';

export interface CheckpointHookOptions {
  /** Save every `interval` epochs (or iterations when byEpoch is false); -1 = only the last. */
  interval?: number;
  byEpoch?: boolean;
  saveOptimizer?: boolean;
  /** Folder for checkpoints; the work dir by default. */
  outDir?: string;
  /** Keep only the newest N `epoch_*`/`iter_*` files; -1 keeps all. */
  maxKeepCkpts?: number;
  /** Also save at the last epoch / iteration whatever the interval. */
  saveLast?: boolean;
  /** File name with `{}` for the number; `epoch_{}.safetensors` / `iter_{}.safetensors` by default. */
  filenameTmpl?: string;
}

/**
 * MMCV's CheckpointHook. Each save also rewrites `latest.safetensors` as a full copy (not a
 * symlink: portable, and written atomically like every checkpoint), which `--resume auto` reads.
 */
@HOOKS.register()
export class CheckpointHook extends Hook {
  readonly interval: number;
  readonly byEpoch: boolean;
  readonly saveOptimizer: boolean;
  outDir: string | undefined;
  readonly maxKeepCkpts: number;
  readonly saveLast: boolean;
  readonly filenameTmpl: string | undefined;

  constructor(options: CheckpointHookOptions = {}) {
    super();
    rejectUnknownOptions(options, ['interval', 'byEpoch', 'saveOptimizer', 'outDir', 'maxKeepCkpts', 'saveLast', 'filenameTmpl'], 'checkpointConfig (CheckpointHook)');
    this.interval = options.interval ?? -1;
    this.byEpoch = options.byEpoch ?? true;
    this.saveOptimizer = options.saveOptimizer ?? true;
    this.outDir = options.outDir;
    this.maxKeepCkpts = options.maxKeepCkpts ?? -1;
    this.saveLast = options.saveLast ?? true;
    this.filenameTmpl = options.filenameTmpl;
    if (this.filenameTmpl !== undefined && !this.filenameTmpl.includes('{}')) {
      throw new DetError(`checkpointConfig.filenameTmpl must contain '{}' for the number, got '${this.filenameTmpl}'`);
    }
  }

  override beforeRun(runner: BaseRunner): void {
    this.outDir ??= runner.workDir;
    runner.logger.info(`Checkpoints will be saved to ${this.outDir}`);
  }

  override async afterTrainEpoch(runner: BaseRunner): Promise<void> {
    if (!this.byEpoch) return;
    if (this.everyNEpochs(runner, this.interval) || (this.saveLast && this.isLastEpoch(runner))) {
      runner.logger.info(`Saving checkpoint at ${runner.epoch + 1} epochs`);
      await this.save(runner, runner.epoch + 1);
    }
  }

  override async afterTrainIter(runner: BaseRunner): Promise<void> {
    if (this.byEpoch) return;
    if (this.everyNIters(runner, this.interval) || (this.saveLast && this.isLastIter(runner))) {
      runner.logger.info(`Saving checkpoint at ${runner.iter + 1} iterations`);
      await this.save(runner, runner.iter + 1);
    }
  }

  private async save(runner: BaseRunner, current: number): Promise<void> {
    const tmpl = this.filenameTmpl ?? (this.byEpoch ? 'epoch_{}.safetensors' : 'iter_{}.safetensors');
    const file = await runner.saveCheckpoint(this.outDir!, { filenameTmpl: tmpl, saveOptimizer: this.saveOptimizer });
    const msgs = ((runner.meta.hookMsgs as Record<string, unknown>) ??= {});
    msgs.lastCkpt = file;
    if (this.maxKeepCkpts > 0) {
      const store = getCheckpointStore();
      const step = this.interval > 0 ? this.interval : 1;
      for (let n = current - this.maxKeepCkpts * step; n > 0; n -= step) {
        const old = path.join(this.outDir!, tmpl.replace('{}', String(n)));
        if (!(await store.exists(old))) break;
        await store.remove(old);
      }
    }
  }
}
