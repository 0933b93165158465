import * as fs from 'node:fs';
import { DetError } from '@det/registry';

/** One series to plot: a log key in one mode (`train` losses, `val` metrics). */
export interface Series {
  key: string;
  mode: string;
  xs: number[];
  ys: number[];
}

export interface LogCurves {
  xLabel: 'epoch' | 'iteration';
  series: Series[];
  /** Every numeric key the log holds, by mode (for error messages and --keys defaults). */
  available: Record<string, string[]>;
}

const NOT_PLOTTED = new Set(['epoch', 'iter', 'mode', 'memory', 'time', 'data_time', 'lr_group']);

/** Reads a TextLoggerHook JSON log (one object per line; the first line holds the run's meta). */
export function readJsonLog(file: string): Record<string, unknown>[] {
  if (!fs.existsSync(file)) throw new DetError(`log file '${file}' does not exist`);
  const entries: Record<string, unknown>[] = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new DetError(`${file}:${i + 1} is not JSON (${(err as Error).message}); expected the .log.json file a training run writes`);
    }
    if (value && typeof value === 'object' && 'mode' in value) entries.push(value as Record<string, unknown>);
  }
  if (!entries.length) throw new DetError(`${file} holds no log entries with a 'mode' (is it a det/MMDetection .log.json file?)`);
  return entries;
}

/**
 * Curves for `keys` (default: every loss and every metric). The x axis counts epochs (fractional
 * within an epoch) when the log's iteration counter restarts every epoch, else iterations.
 */
export function logCurves(entries: Record<string, unknown>[], keys?: readonly string[]): LogCurves {
  const train = entries.filter((e) => e.mode === 'train');
  const epochs = new Set(train.map((e) => Number(e.epoch)));
  const maxIterOfEpoch = new Map<number, number>();
  for (const e of train) maxIterOfEpoch.set(Number(e.epoch), Math.max(maxIterOfEpoch.get(Number(e.epoch)) ?? 0, Number(e.iter)));
  const itersRestart = epochs.size > 1 && train.some((e, i) => i > 0 && Number(e.iter) < Number(train[i - 1].iter));
  const xLabel = itersRestart ? 'epoch' : 'iteration';
  // In iteration-based runs an evaluation line carries the number of val iterations as `iter`
  // (MMCV's eval_iter_num). A 'val' line follows the train line of the iteration it evaluated; an
  // evaluation merged into a 'train' line replaces the train line one log interval later.
  const trainXs: number[] = [];
  const xOf = (e: Record<string, unknown>): number => {
    const epoch = Number(e.epoch);
    if (itersRestart) return e.mode !== 'train' ? epoch : epoch - 1 + Number(e.iter) / (maxIterOfEpoch.get(epoch) || 1);
    if (e.mode !== 'train' && isEvalLine(e) && trainXs.length) return trainXs[trainXs.length - 1];
    if (e.mode === 'train' && isEvalLine(e) && trainXs.length) {
      const n = trainXs.length;
      return trainXs[n - 1] + (n > 1 ? trainXs[n - 1] - trainXs[n - 2] : 1);
    }
    if (e.mode === 'train') trainXs.push(Number(e.iter));
    return Number(e.iter);
  };
  const available: Record<string, Set<string>> = {};
  const byKey = new Map<string, Series>();
  for (const e of entries) {
    const mode = String(e.mode);
    const x = xOf(e);
    for (const [key, value] of Object.entries(e)) {
      if (NOT_PLOTTED.has(key) || typeof value !== 'number' || !Number.isFinite(value)) continue;
      (available[mode] ??= new Set()).add(key);
      const id = `${mode}/${key}`;
      let s = byKey.get(id);
      if (!s) byKey.set(id, (s = { key, mode, xs: [], ys: [] }));
      s.xs.push(x);
      s.ys.push(value);
    }
  }
  const availableList = Object.fromEntries(Object.entries(available).map(([m, s]) => [m, [...s].sort()]));
  const wanted = keys?.length ? keys : defaultKeys(availableList);
  const series: Series[] = [];
  for (const key of wanted) {
    const found = [...byKey.values()].filter((s) => s.key === key);
    if (!found.length) {
      const all = [...new Set(Object.values(availableList).flat())].sort();
      throw new DetError(`key '${key}' is not in the log; it has: ${all.join(', ')}`);
    }
    series.push(...found);
  }
  return { xLabel, series, available: availableList };
}

const isEvalLine = (e: Record<string, unknown>): boolean => Object.keys(e).some((k) => /mAP|^AR@|_AR$/.test(k));

function defaultKeys(available: Record<string, string[]>): string[] {
  const all = [...new Set(Object.values(available).flat())];
  const losses = all.filter((k) => k.startsWith('loss'));
  const maps = all.filter((k) => /mAP$/.test(k));
  return [...losses, ...maps];
}
