import * as fs from 'node:fs';
import * as path from 'node:path';
import { DetError } from '@det/registry';
import { setTunedChoice, tunedChoices } from './kernel-tuner';

/**
 * Kernel-tuning choices kept on disk between runs (DET_WEBGPU_AUTOTUNE_CACHE=FILE), per adapter:
 * a run on the same GPU starts with the measured choices instead of timing every shape again.
 * A stale entry (a variant det no longer has) is harmless: kernels fall back to their default.
 */
interface CacheFile {
  format: 'det-webgpu-tuning/1';
  /** adapter description → "kernel|key" → variant name */
  adapters: Record<string, Record<string, string>>;
}

function read(file: string): CacheFile {
  if (!fs.existsSync(file)) return { format: 'det-webgpu-tuning/1', adapters: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DetError(`webgpu tuning cache ${file}: not valid JSON (${(err as Error).message}); delete it to start over`);
  }
  const c = parsed as Partial<CacheFile>;
  if (c?.format !== 'det-webgpu-tuning/1' || typeof c.adapters !== 'object' || c.adapters === null) {
    throw new DetError(`webgpu tuning cache ${file}: expected { format: 'det-webgpu-tuning/1', adapters: {...} }; delete it to start over`);
  }
  return c as CacheFile;
}

/**
 * The cache section for an adapter at a conv precision: f16 runs get their own section (with the
 * matrix shape), because each precision's best variants differ — f32 choices loaded into an f16
 * run would replace its matrix-unit defaults with f32 kernels, and f16 choices cannot run in f32.
 */
export function tuningCacheSection(adapter: string, unit: { M: number; N: number; K: number } | null): string {
  return unit ? `${adapter} · conv precision f16 (${unit.M}×${unit.N}×${unit.K})` : adapter;
}

/** Loads the choices recorded for `adapter` (a section name: tuningCacheSection) and returns how many. */
export function loadTuningCache(file: string, adapter: string): number {
  const entries = Object.entries(read(file).adapters[adapter] ?? {});
  for (const [id, name] of entries) {
    const bar = id.indexOf('|');
    if (bar > 0 && typeof name === 'string') setTunedChoice(id.slice(0, bar), id.slice(bar + 1), name);
  }
  return entries.length;
}

/** Writes every tuned choice for `adapter` (other adapters' entries are kept), atomically. */
export function saveTuningCache(file: string, adapter: string): void {
  const cache = read(file);
  cache.adapters[adapter] = Object.fromEntries(tunedChoices().map(([kernel, key, name]) => [`${kernel}|${key}`, name]));
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(cache, null, 1));
  fs.renameSync(tmp, file);
}
