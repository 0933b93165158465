import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { HOOKS } from '@det/registry';
import type { BaseRunner } from '@det/runner';
import { LoggerHook, type LoggerHookOptions } from './logger-hook';
import { formatExp, formatTimedelta, roundFloats } from './format';
import { rejectUnknownOptions } from '../options';

export interface TextLoggerHookOptions extends LoggerHookOptions {
  /** Print `Exp name: …` (from meta.expName) every N iterations. */
  intervalExpName?: number;
}

/** Keys already in the line's head, not repeated among the items (as MMCV). */
const HEAD_KEYS = new Set(['mode', 'Epoch', 'iter', 'lr', 'time', 'data_time', 'memory', 'epoch']);

const MB = 1024 * 1024;

/**
 * det's `memory` column in MB. MMCV reports CUDA memory; here, on a backend that reports its
 * device memory (webgpu: the bytes its buffer pool holds, in use or kept for reuse, as
 * torch.cuda.memory_reserved counts them), that figure; elsewhere the resident set size of this
 * process.
 */
export function memoryMbOf(info: { numBytesAllocatedInGPU?: unknown }, rssBytes: number): number {
  const gpu = info.numBytesAllocatedInGPU;
  return Math.round((typeof gpu === 'number' ? gpu : rssBytes) / MB);
}

/** `memory` now: the active backend's device memory, or this process's resident set size. */
export const processMemoryMb = (): number => memoryMbOf(tf.memory() as { numBytesAllocatedInGPU?: unknown }, process.memoryUsage().rss);

/**
 * MMCV's TextLoggerHook: one text line per interval in MMDetection's format
 * (`Epoch [1][50/734]\tlr: 1.000e-02, eta: 0:12:34, time: 0.512, data_time: 0.021, memory: 1234, loss: …`,
 * `Epoch(val) [1][100]\tbbox_mAP: 0.3780`), and `<workDir>/<timestamp>.log.json` with one JSON
 * object per line, the first holding `runner.meta` (env, config, seed).
 */
@HOOKS.register()
export class TextLoggerHook extends LoggerHook {
  readonly intervalExpName: number;
  jsonLogPath = '';
  private timeSecTot = 0;
  private startIter = 0;
  /** Replaceable for tests (a fixed memory figure gives a fixed line). */
  memoryMb: () => number = processMemoryMb;

  constructor(options: TextLoggerHookOptions = {}) {
    rejectUnknownOptions(options, ['interval', 'ignoreLast', 'resetFlag', 'byEpoch', 'intervalExpName'], 'logConfig.hooks (TextLoggerHook)');
    super(options);
    this.intervalExpName = options.intervalExpName ?? 1000;
  }

  override beforeRun(runner: BaseRunner): void {
    super.beforeRun(runner);
    this.startIter = runner.iter;
    this.jsonLogPath = path.join(runner.workDir, `${runner.timestamp}.log.json`);
    if (runner.meta) this.dumpLog(runner.meta);
  }

  log(runner: BaseRunner): Record<string, unknown> {
    const output = runner.logBuffer.output;
    let curIter: number;
    if ('eval_iter_num' in output) {
      curIter = Number(output.eval_iter_num);
      delete output.eval_iter_num;
    } else {
      curIter = this.getIter(runner, true);
    }
    const logDict: Record<string, unknown> = { mode: this.getMode(runner), epoch: this.getEpoch(runner), iter: curIter };
    if (runner.optimizer) logDict.lr = runner.currentLr()[0];
    if ('time' in output) logDict.memory = this.memoryMb();
    Object.assign(logDict, output);
    runner.logger.info(this.formatLine(logDict, runner));
    this.dumpLog(logDict);
    return logDict;
  }

  /** The text line for one log dict (updates the ETA estimate when the dict has `time`). */
  formatLine(logDict: Record<string, unknown>, runner: BaseRunner): string {
    if (runner.meta.expName && (this.everyNIters(runner, this.intervalExpName) || (this.byEpoch && this.endOfEpoch(runner)))) {
      runner.logger.info(`Exp name: ${runner.meta.expName}`);
    }
    let line: string;
    if (logDict.mode === 'train') {
      line = this.byEpoch
        ? `Epoch [${logDict.epoch}][${logDict.iter}/${runner.dataLoader?.length}]\t`
        : `Iter [${logDict.iter}/${runner.maxIters}]\t`;
      if (logDict.lr !== undefined) line += `lr: ${formatExp(logDict.lr as number, 3)}, `;
      if (typeof logDict.time === 'number') {
        this.timeSecTot += logDict.time * this.interval;
        const avg = this.timeSecTot / (runner.iter - this.startIter + 1);
        const eta = avg * ((runner.maxIters ?? runner.iter + 1) - runner.iter - 1);
        line += `eta: ${formatTimedelta(eta)}, `;
        line += `time: ${logDict.time.toFixed(3)}, data_time: ${(logDict.data_time as number).toFixed(3)}, `;
        line += `memory: ${logDict.memory}, `;
      }
    } else {
      line = this.byEpoch ? `Epoch(${logDict.mode}) [${logDict.epoch}][${logDict.iter}]\t` : `Iter(${logDict.mode}) [${logDict.iter}]\t`;
    }
    const items: string[] = [];
    for (const [name, val] of Object.entries(logDict)) {
      if (HEAD_KEYS.has(name)) continue;
      items.push(`${name}: ${typeof val === 'number' ? val.toFixed(4) : String(val)}`);
    }
    return line + items.join(', ');
  }

  private dumpLog(dict: Record<string, unknown>): void {
    const rounded = Object.fromEntries(Object.entries(dict).map(([k, v]) => [k, roundFloats(v)]));
    fs.mkdirSync(path.dirname(this.jsonLogPath), { recursive: true });
    fs.appendFileSync(this.jsonLogPath, JSON.stringify(rounded) + '\n');
  }
}
