import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { logCurves, readJsonLog, type LogCurves } from './log-curves';
import { curvesSvg } from './plot-svg';

export interface AnalyzeLogsOptions {
  keys?: string[];
  /** .png (default) or .svg. */
  out?: string;
}

export interface KeySummary {
  key: string;
  mode: string;
  points: number;
  first: number;
  last: number;
  min: number;
  max: number;
}

/** Reads a JSON log, plots the chosen keys and returns a per-key summary. */
export async function analyzeLogs(logFile: string, options: AnalyzeLogsOptions = {}): Promise<{ curves: LogCurves; summary: KeySummary[]; out?: string }> {
  const curves = logCurves(readJsonLog(logFile), options.keys);
  const summary = curves.series.map((s) => ({
    key: s.key, mode: s.mode, points: s.ys.length, first: s.ys[0], last: s.ys[s.ys.length - 1],
    min: Math.min(...s.ys), max: Math.max(...s.ys),
  }));
  if (!options.out) return { curves, summary };
  const out = path.resolve(options.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const svg = curvesSvg(curves, path.basename(logFile));
  if (out.endsWith('.svg')) fs.writeFileSync(out, svg);
  else await sharp(Buffer.from(svg)).png().toFile(out);
  return { curves, summary, out };
}

export function formatSummary(summary: KeySummary[]): string {
  const rows = summary.map((s) => [s.key, s.mode, String(s.points), s.first.toFixed(4), s.last.toFixed(4), s.min.toFixed(4), s.max.toFixed(4)]);
  const header = ['key', 'mode', 'points', 'first', 'last', 'min', 'max'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}
