import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { ConsoleLogger, LOGGER, getLogger, rootContainer, type LogLevel, type Logger } from '@det/registry';
import { cliIO } from '../io';

/**
 * A logger for one run: text to the command's stderr (the CLI IO, so in-process tests see it) and
 * the same lines to `<workDir>/<timestamp>.log`, like MMDetection's root logger with a file handler.
 */
export class RunLogger {
  readonly logger: ConsoleLogger;
  private previous: Logger | undefined;
  private file: string;

  constructor(file: string, level: LogLevel) {
    this.file = file;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tee = new Writable({
      write: (chunk: Buffer | string, _enc, done) => {
        const text = chunk.toString();
        cliIO().err(text);
        fs.appendFileSync(this.file, text);
        done();
      },
    });
    this.logger = new ConsoleLogger({ level, stream: tee });
  }

  get logFile(): string {
    return this.file;
  }

  /** Moves the log file (the runner picks its own timestamp, and the two files should share it). */
  rename(file: string): void {
    if (file === this.file) return;
    if (fs.existsSync(this.file)) {
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
