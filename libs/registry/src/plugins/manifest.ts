import * as fs from 'node:fs';
import * as path from 'node:path';
import { PluginError } from './errors';
import { resolvePlugin } from './resolve';
import type { PluginManifest } from './types';

/**
 * The `"det"` field of a plugin's package.json (`{ apiVersion, contributes: { head: [...] } }`),
 * read without executing the plugin. A plugin without the field gets an empty `contributes`.
 */
export function readPluginManifest(spec: string, options: { cwd?: string } = {}): PluginManifest {
  const cwd = options.cwd ?? process.cwd();
  // A package folder needs no runnable entry to have a manifest.
  const asFolder = path.resolve(cwd, spec);
  let packageDir = fs.existsSync(path.join(asFolder, 'package.json')) ? asFolder : undefined;
  if (!packageDir) {
    const resolved = resolvePlugin(spec, cwd);
    if (!resolved.packageDir) {
      throw new PluginError(`plugin '${spec}' (${resolved.entry}) has no package.json, so it has no manifest`, { spec });
    }
    packageDir = resolved.packageDir;
  }
  const packageJson = path.join(packageDir, 'package.json');
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(fs.readFileSync(packageJson, 'utf8'));
  } catch (err) {
    throw new PluginError(`plugin '${spec}': cannot read ${packageJson}: ${(err as Error).message}`, { spec, cause: err });
  }
  const det = (pkg.det ?? {}) as { apiVersion?: unknown; contributes?: unknown };
  const contributes: Record<string, string[]> = {};
  if (det.contributes !== undefined) {
    if (!det.contributes || typeof det.contributes !== 'object' || Array.isArray(det.contributes)) {
      throw new PluginError(`plugin '${spec}': "det.contributes" in ${packageJson} must map kinds to lists of names`, { spec });
    }
    for (const [kind, names] of Object.entries(det.contributes)) {
      if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
        throw new PluginError(`plugin '${spec}': "det.contributes.${kind}" in ${packageJson} must be a list of names`, { spec });
      }
      contributes[kind] = names;
    }
  }
  return {
    name: typeof pkg.name === 'string' ? pkg.name : path.basename(packageDir),
    version: typeof pkg.version === 'string' ? pkg.version : undefined,
    apiVersion: typeof det.apiVersion === 'number' ? det.apiVersion : undefined,
    contributes,
    packageJson,
  };
}

/** Package folders directly inside one node_modules folder (scoped ones included). */
function packageFolders(nodeModules: string): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync(nodeModules)) {
    if (name.startsWith('.')) continue;
    const dir = path.join(nodeModules, name);
    if (name.startsWith('@')) {
      try {
        for (const sub of fs.readdirSync(dir)) out.push(path.join(dir, sub));
      } catch {
        // not a folder
      }
    } else out.push(dir);
  }
  return out;
}

/**
 * Installed plugins: packages in the node_modules folders above `cwd` whose package.json has a
 * `"det"` field. Nothing is executed.
 */
export function discoverPlugins(cwd: string): PluginManifest[] {
  const found = new Map<string, PluginManifest>();
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const nodeModules = path.join(dir, 'node_modules');
    if (fs.existsSync(nodeModules)) {
      for (const pkgDir of packageFolders(nodeModules)) {
        const pj = path.join(pkgDir, 'package.json');
        let pkg: { name?: string; det?: unknown };
        try {
          pkg = JSON.parse(fs.readFileSync(pj, 'utf8'));
        } catch {
          continue;
        }
        // The nearest install of a name shadows farther ones, as in Node's resolution.
        if (!pkg.det || !pkg.name || found.has(pkg.name)) continue;
        found.set(pkg.name, readPluginManifest(pkgDir, { cwd }));
      }
    }
    if (path.dirname(dir) === dir) break;
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}
