import * as path from 'node:path';
import type { Logger } from '@det/registry';

/**
 * Selects the config's backend (`backend`, or --backend through the config) with its
 * `cudnnBenchmark` (MMDetection's `cudnn_benchmark`, or --cudnn-benchmark): on webgpu det's
 * kernel tuning, its choices kept in `cacheDir`/webgpu-tuning.json — the training run's work dir,
 * the checkpoint's folder for test and infer, so they start from what training measured.
 * DET_WEBGPU_AUTOTUNE_CACHE, when set, names the file instead. Returns the backend's name.
 */
export async function selectConfiguredBackend(cfg: Record<string, unknown>, cudnnBenchmark: boolean | undefined, cacheDir: string, log: Logger): Promise<string> {
  const { selectBackend } = await import('@det/models');
  const on = cudnnBenchmark ?? (cfg.cudnnBenchmark as boolean | undefined);
  const cache = process.env.DET_WEBGPU_AUTOTUNE_CACHE ?? path.join(cacheDir, 'webgpu-tuning.json');
  const backend = await selectBackend((cfg.backend as string | undefined) ?? 'auto', {
    webgpu: on === undefined ? undefined : { autotune: on, ...(on ? { autotuneCache: cache } : {}) },
  });
  if (on) {
    log.info(backend === 'webgpu'
      ? `cudnnBenchmark: kernel variants are timed per new layer shape after its first batch, the fastest kept (choices saved in ${cache})`
      : `cudnnBenchmark: nothing to tune on the ${backend} backend (one kernel per op)`);
  }
  return backend;
}
