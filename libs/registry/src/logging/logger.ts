import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LogLevel, Logger } from '../di/services';
import { LOGGER } from '../di/tokens';
import { provideDefault, resolveService } from '../di/container';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level?: LogLevel;
  /** Also append every record as one JSON line to this file. */
  jsonFile?: string;
  /** Where text goes; stderr by default so stdout stays for data. */
  stream?: NodeJS.WritableStream;
}

/** Text to stderr (`2026-11-26 10:00:00 INFO message key=value`) plus optional JSON lines. */
export class ConsoleLogger implements Logger {
  level: LogLevel;
  private readonly stream: NodeJS.WritableStream;
  private jsonFile?: string;

  constructor(options: LoggerOptions = {}) {
    this.level = options.level ?? ((process.env.DET_LOG_LEVEL as LogLevel) || 'info');
    this.stream = options.stream ?? process.stderr;
    this.setJsonFile(options.jsonFile);
  }

  setJsonFile(file: string | undefined): void {
    this.jsonFile = file;
    if (file) fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  debug(m: string, f?: Record<string, unknown>): void { this.log('debug', m, f); }
  info(m: string, f?: Record<string, unknown>): void { this.log('info', m, f); }
  warn(m: string, f?: Record<string, unknown>): void { this.log('warn', m, f); }
  error(m: string, f?: Record<string, unknown>): void { this.log('error', m, f); }

  private log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    const now = new Date();
    if (this.jsonFile) {
      fs.appendFileSync(this.jsonFile, JSON.stringify({ time: now.toISOString(), level, message, ...fields }) + '\n');
    }
    if (ORDER[level] < ORDER[this.level]) return;
    const stamp = now.toISOString().replace('T', ' ').slice(0, 19);
    const extra = fields && Object.keys(fields).length
      ? ' ' + Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')
      : '';
    this.stream.write(`${stamp} ${level.toUpperCase()} ${message}${extra}\n`);
  }
}

provideDefault(LOGGER, () => new ConsoleLogger());

/** The logger registered in DI (a plugin may have replaced the default). */
export const getLogger = (): Logger => resolveService(LOGGER);
