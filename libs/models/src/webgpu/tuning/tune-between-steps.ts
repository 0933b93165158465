import { getLogger } from '@det/registry';
import { loadTuningCache, saveTuningCache } from './tuning-cache';
import { hasPendingTuning, pendingTuningCount, tunePendingKernels, type TuningResult } from './kernel-tuner';

let cache: { file: string; adapter: string } | undefined;

/**
 * Reads the choices recorded for `adapter` in `file` (if it exists) and records every later
 * tuning pass there. Returns how many choices were loaded.
 */
export function useTuningCache(file: string, adapter: string): number {
  cache = { file, adapter };
  return loadTuningCache(file, adapter);
}

const PROGRESS_EVERY_MS = 10_000;

const fmt = (ms: number | undefined) => (ms === undefined ? 'failed' : `${ms.toFixed(3)} ms`);

/**
 * Times the kernel shapes queued since the last call (a no-op when none are, or tuning is off)
 * and logs each choice; called by the detector between training steps.
 */
export async function tuneQueuedKernels(): Promise<TuningResult[]> {
  if (!hasPendingTuning()) return [];
  const log = getLogger();
  log.info(`webgpu kernel tuning: timing the convolution variants of ${pendingTuningCount()} new shape(s) (DET_WEBGPU_AUTOTUNE or the config's cudnnBenchmark)`);
  const started = performance.now();
  let reported = started;
  const results = await tunePendingKernels({
    onProgress: (done, total) => {
      // saved after every shape: a pass of minutes (lavapipe, a big network) that is interrupted
      // keeps what it measured
      if (cache) saveTuningCache(cache.file, cache.adapter);
      const now = performance.now();
      if (now - reported < PROGRESS_EVERY_MS || done === total) return;
      reported = now;
      log.info(`webgpu kernel tuning: ${done}/${total} shapes (${((now - started) / 1000).toFixed(0)} s)`);
    },
  });
  for (const r of results) {
    const failed = Object.keys(r.failed);
    log.info(`webgpu kernel tuning: ${r.kernel} ${r.key}: ${r.choice} ${fmt(r.ms[r.choice])}` +
      (r.choice === r.default ? ' (det\'s default)' : ` (default ${r.default}: ${fmt(r.ms[r.default])})`) +
      (failed.length ? `; failed: ${failed.map((n) => `${n}: ${r.failed[n]}`).join('; ')}` : ''));
  }
  log.info(`webgpu kernel tuning: ${results.length} shapes in ${((performance.now() - started) / 1000).toFixed(1)} s` +
    (cache ? `; choices saved to ${cache.file}` : ''));
  return results;
}
