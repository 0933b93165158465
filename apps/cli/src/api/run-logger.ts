import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { ConsoleLogger, LOGGER, getLogger, rootContainer, type LogLevel, type Logger } from '@det/registry';
import { cliIO } from '../io';

/**
 * A logger for one run: text to the command's stderr (the CLI IO, so in-process tests see it) and
 * the same lines to `<workDir>/<timestamp>.log` (when given a file), like MMDetection's root logger
 * with a file handler.
 */
export class RunLogger {
  readonly logger: ConsoleLogger;
  private previous: Logger | undefined;
  private file: string | undefined;

  constructor(file: string | undefined, level: LogLevel) {
    this.file = file;
    if (file) fs.mkdirSync(path.dirname(file), { recursive: true });
    const tee = new Writable({
      write: (chunk: Buffer | string, _enc, done) => {
        const text = chunk.toString();
        cliIO().err(text);
        if (this.file) fs.appendFileSync(this.file, text);
        done();
      },
    });
    this.logger = new ConsoleLogger({ level, stream: tee });
  }

  get logFile(): string {
    return this.file ?? '';
  }

  /** Moves the log file (the runner picks its own timestamp, and the two files should share it). */
  rename(file: string): void {
    if (file === this.file) return;
    if (this.file && fs.existsSync(this.file)) {
      // A run started in the same second owns `file` already (second-resolution timestamps, as
      // MMCV): append, never overwrite its log.
      if (fs.existsSync(file)) {
        fs.appendFileSync(file, fs.readFileSync(this.file));
        fs.rmSync(this.file);
      } else {
        fs.renameSync(this.file, file);
      }
    }
    this.file = file;
  }

  /** Makes this the DI logger (what getLogger() returns in every lib) until `uninstall`. */
  install(): this {
    this.previous = getLogger();
    rootContainer.register(LOGGER, { useValue: this.logger });
    return this;
  }

  uninstall(): void {
    if (this.previous) rootContainer.register(LOGGER, { useValue: this.previous });
    this.previous = undefined;
  }
}

/** Runs `fn` with a stderr-only RunLogger as the DI logger (commands without a work dir). */
export async function withCommandLogger<T>(debug: boolean | undefined, fn: () => Promise<T>): Promise<T> {
  const run = new RunLogger(undefined, debug ? 'debug' : 'info').install();
  try {
    return await fn();
  } finally {
    run.uninstall();
  }
}
