import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../main';

/** Runs `det argv` in-process and captures what it writes (test helper). */
export async function det(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

/** The tiny RetinaNet test config (64×64 synthetic images, 8-channel layers, 2 iterations). */
export const TINY_CONFIG = path.join(__dirname, '..', '__fixtures__', 'configs', 'e2e', 'tiny_retinanet.ts');

/** `--cfg-options` pointing every split of the tiny config at `dataRoot`, plus `extra`. */
export function tinyCfgOptions(dataRoot: string, ...extra: string[]): string[] {
  return ['--cfg-options', ...['train', 'val', 'test'].map((s) => `data.${s}.dataRoot=${dataRoot}`), ...extra];
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `det-${prefix}-`));
}
