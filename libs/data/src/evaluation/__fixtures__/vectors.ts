import * as fs from 'node:fs';
import * as path from 'node:path';

/** Repo root: the nearest folder above this file that holds nx.json. */
function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'nx.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no nx.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** Reads a shared reference-vector file from $DET_VECTORS (default ../shared/vectors of the repo). */
export function readVectors<T>(file: string): T {
  const dir = path.resolve(repoRoot(), process.env.DET_VECTORS ?? '../shared/vectors');
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as T;
}
