import * as fs from 'node:fs';
import * as path from 'node:path';
import { PluginError } from './errors';

export interface ResolvedPlugin {
  spec: string;
  /** The module file to execute. */
  entry: string;
  /** Folder of the plugin's package.json, if it has one. */
  packageDir?: string;
}

const isPathSpec = (spec: string) =>
  spec.startsWith('.') || path.isAbsolute(spec) || spec.startsWith('~') || (spec.includes(path.sep) && !spec.startsWith('@'));

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Entry file named by a package.json: `exports['.']` (require/default), then `main`. */
function packageEntry(dir: string, pkg: Record<string, unknown>): string | undefined {
  const exp = pkg.exports;
  const dot = typeof exp === 'string' ? exp : exp && typeof exp === 'object' ? (exp as Record<string, unknown>)['.'] : undefined;
  const conditional = dot && typeof dot === 'object' ? dot as Record<string, unknown> : undefined;
  const fromExports = typeof dot === 'string' ? dot : conditional && [conditional.require, conditional.default].find((v) => typeof v === 'string');
  for (const rel of [fromExports, pkg.main].filter((v): v is string => typeof v === 'string')) {
    const file = path.resolve(dir, rel);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

function folderEntry(dir: string): ResolvedPlugin['entry'] | undefined {
  const pkg = readJson(path.join(dir, 'package.json'));
  const fromPkg = pkg && packageEntry(dir, pkg);
  if (fromPkg) return fromPkg;
  for (const name of ['index.js', 'index.cjs', 'index.ts']) {
    if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** Folder of the nearest package.json above `file` (not above `stopAt`). */
export function packageDirOf(file: string): string | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function resolveLocal(spec: string, cwd: string): ResolvedPlugin | undefined {
  const target = path.resolve(cwd, spec.startsWith('~') ? spec.replace('~', process.env.HOME ?? '~') : spec);
  if (!fs.existsSync(target)) return undefined;
  if (fs.statSync(target).isDirectory()) {
    const entry = folderEntry(target);
    if (!entry) {
      throw new PluginError(`plugin '${spec}': folder ${target} has no entry (no package.json main/exports, no index.js/index.ts)`, { spec });
    }
    return { spec, entry, packageDir: fs.existsSync(path.join(target, 'package.json')) ? target : undefined };
  }
  // A single file has no package of its own (the package.json above it belongs to something else).
  return { spec, entry: target };
}

function resolvePackage(spec: string, from: string): ResolvedPlugin | undefined {
  try {
    const entry = require.resolve(spec, { paths: [from] });
    return { spec, entry, packageDir: packageDirOf(entry) };
  } catch {
    // A package without a "." entry can still be found through its package.json.
    try {
      const pj = require.resolve(`${spec}/package.json`, { paths: [from] });
      const dir = path.dirname(pj);
      const entry = folderEntry(dir);
      return entry ? { spec, entry, packageDir: dir } : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * Finds a plugin: a path (file or folder, relative to `cwd`), else an npm package resolved from
 * `cwd`, then from det's own install. The error lists every place that was tried.
 */
export function resolvePlugin(spec: string, cwd: string): ResolvedPlugin {
  const found = findPlugin(spec, cwd);
  // One file reached through a symlink and directly must count as one plugin (Node caches by real path).
  return { ...found, entry: fs.realpathSync(found.entry), packageDir: found.packageDir && fs.realpathSync(found.packageDir) };
}

function findPlugin(spec: string, cwd: string): ResolvedPlugin {
  const looked: string[] = [];
  const asPath = path.resolve(cwd, spec);
  looked.push(`path ${asPath}`);
  const local = resolveLocal(spec, cwd);
  if (local) return local;
  if (!isPathSpec(spec)) {
    for (const from of [cwd, __dirname]) {
      looked.push(`package '${spec}' from ${from}`);
      const pkg = resolvePackage(spec, from);
      if (pkg) return pkg;
    }
  }
  throw new PluginError(`plugin '${spec}' not found; looked in:\n${looked.map((l) => `  - ${l}`).join('\n')}`, { spec, looked });
}
