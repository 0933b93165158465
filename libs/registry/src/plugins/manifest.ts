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
  const resolved = resolvePlugin(spec, options.cwd ?? process.cwd());
  if (!resolved.packageDir) {
    throw new PluginError(`plugin '${spec}' (${resolved.entry}) has no package.json, so it has no manifest`, { spec });
  }
  const packageJson = path.join(resolved.packageDir, 'package.json');
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
    name: typeof pkg.name === 'string' ? pkg.name : path.basename(resolved.packageDir),
    version: typeof pkg.version === 'string' ? pkg.version : undefined,
    apiVersion: typeof det.apiVersion === 'number' ? det.apiVersion : undefined,
    contributes,
    packageJson,
  };
}
