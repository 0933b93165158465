import { SingleBar, Presets } from 'cli-progress';
import { HOOKS } from '@det/registry';
import { Hook, type BaseRunner } from '@det/runner';

export interface ProgressBarHookOptions {
  /** Plain-line mode: print every N iterations. */
  interval?: number;
  /** Where to draw; stderr by default so stdout stays for data. */
  stream?: NodeJS.WriteStream | NodeJS.WritableStream;
}

/**
 * A progress bar per epoch (cli-progress) on interactive terminals; when the stream is not a TTY
 * (CI, redirected logs) it prints a plain line every `interval` iterations instead.
 */
@HOOKS.register()
export class ProgressBarHook extends Hook {
  readonly interval: number;
  readonly stream: NodeJS.WritableStream;
  private bar: SingleBar | undefined;

  constructor(options: ProgressBarHookOptions = {}) {
    super();
    this.interval = options.interval ?? 50;
    this.stream = options.stream ?? process.stderr;
  }

  private get interactive(): boolean {
    return Boolean((this.stream as NodeJS.WriteStream).isTTY);
  }

  override beforeEpoch(runner: BaseRunner): void {
    const total = runner.dataLoader?.length ?? 0;
    if (!this.interactive) return;
    this.bar = new SingleBar(
      { stream: this.stream as NodeJS.WriteStream, format: `${runner.mode} epoch ${runner.epoch + (runner.mode === 'train' ? 1 : 0)} [{bar}] {value}/{total} {loss}`, hideCursor: true },
      Presets.shades_classic,
    );
    this.bar.start(total, 0, { loss: '' });
  }

  override afterIter(runner: BaseRunner): void {
    const done = runner.innerIter + 1;
    const loss = runner.outputs?.loss;
    const lossText = typeof loss === 'number' ? `loss ${loss.toFixed(4)}` : '';
    if (this.bar) {
      this.bar.update(done, { loss: lossText });
    } else if (done % this.interval === 0 || done === runner.dataLoader?.length) {
      const epoch = runner.epoch + (runner.mode === 'train' ? 1 : 0);
      this.stream.write(`[${runner.mode}] epoch ${epoch} ${done}/${runner.dataLoader?.length ?? '?'}${lossText ? ` ${lossText}` : ''}\n`);
    }
  }

  override afterEpoch(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  override afterRun(): void {
    this.afterEpoch();
  }
}
