import * as fs from 'node:fs';
import * as path from 'node:path';
import { TEMP_PREFIX } from './file-store';

export const LATEST_NAME = 'latest.safetensors';

/**
 * The checkpoint `--resume auto` continues from: `latest.safetensors` (a full copy of the newest
 * checkpoint, see CheckpointHook) if present, else the `epoch_N` / `iter_N` file with the largest
 * N. Temp files of interrupted writes are never picked. Undefined when the folder has none.
 */
export function findLatestCheckpoint(workDir: string): string | undefined {
  if (!fs.existsSync(workDir)) return undefined;
  const files = fs.readdirSync(workDir).filter((f) => f.endsWith('.safetensors') && !f.startsWith(TEMP_PREFIX));
  if (files.includes(LATEST_NAME)) return path.join(workDir, LATEST_NAME);
  let best: string | undefined;
  let bestN = -1;
  for (const f of files) {
    const m = /^(?:epoch|iter)_(\d+)\.safetensors$/.exec(f);
    if (m && Number(m[1]) > bestN) {
      bestN = Number(m[1]);
      best = f;
    }
  }
  return best ? path.join(workDir, best) : undefined;
}
