import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { rootContainer } from '../di/container';
import { getLogger } from '../logging/logger';
import { withOwner } from '../registry/owner';
import { setLoadedPluginsProvider } from '../registry/registry';
import { REGISTRIES } from '../registry/root';
import { evaluateModule, transpileTs } from '../config/ts-module';
import { PluginError } from './errors';
import { resolvePlugin, type ResolvedPlugin } from './resolve';
import { PLUGIN_API_VERSION, type DetPlugin, type LoadedPlugin, type PluginContext } from './types';

const loaded: LoadedPlugin[] = [];
setLoadedPluginsProvider(() => loaded.map((p) => p.name));

/** Plugins loaded so far in this process, in load order. */
export function loadedPlugins(): readonly LoadedPlugin[] {
  return loaded;
}

/** Same major version as this det's plugin interface. */
export const isCompatibleApiVersion = (version: number): boolean => Math.floor(version) === Math.floor(PLUGIN_API_VERSION);

// Kept out of tsc's reach: with module=commonjs it would rewrite `import()` into `require()`,
// which cannot load ES modules.
const importEsm = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

async function executeEntry(resolved: ResolvedPlugin): Promise<unknown> {
  const { entry, spec } = resolved;
  try {
    if (entry.endsWith('.ts')) return evaluateModule(transpileTs(fs.readFileSync(entry, 'utf8'), entry), entry);
    try {
      return require(entry);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw err;
      return await importEsm(pathToFileURL(entry).href);
    }
  } catch (err) {
    const msg = (err as { message?: string })?.message ?? String(err);
    throw new PluginError(`plugin '${spec}': loading ${entry} failed: ${msg}`, { spec, cause: err });
  }
}

/** The plugin object: `default` export, else the module itself; the error lists what is wrong. */
function checkShape(exported: unknown, resolved: ResolvedPlugin): DetPlugin {
  const mod = exported as Record<string, unknown> | undefined;
  const candidate = (mod && typeof mod === 'object' && mod.default && typeof mod.default === 'object' ? mod.default : mod) as
    | Record<string, unknown>
    | undefined;
  const problems: string[] = [];
  if (!candidate || (typeof candidate !== 'object' && typeof candidate !== 'function')) {
    problems.push(`the module exports ${candidate === undefined ? 'nothing' : typeof candidate}`);
  } else {
    if (typeof candidate.name !== 'string' || !candidate.name) problems.push("'name' (a non-empty string) is missing");
    if (typeof candidate.apiVersion !== 'number') problems.push("'apiVersion' (a number) is missing");
    if (typeof candidate.register !== 'function') problems.push("'register' (a function) is missing");
  }
  if (problems.length) {
    throw new PluginError(
      `plugin '${resolved.spec}' (${resolved.entry}) does not export { name, apiVersion, register(ctx) }: ${problems.join('; ')}`,
      { spec: resolved.spec, problems },
    );
  }
  return candidate as unknown as DetPlugin;
}

function packageVersion(resolved: ResolvedPlugin): string | undefined {
  if (!resolved.packageDir) return undefined;
  try {
    return JSON.parse(fs.readFileSync(path.join(resolved.packageDir, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** Removes what a failed plugin managed to register, so a retry or a fix starts clean. */
function unregisterOwner(owner: string): void {
  for (const registry of Object.values(REGISTRIES)) {
    for (const entry of registry.entries()) if (entry.owner === owner) registry.remove(entry.name, owner);
  }
}

export function pluginContext(): PluginContext {
  return { registries: REGISTRIES, container: rootContainer, logger: getLogger(), apiVersion: PLUGIN_API_VERSION };
}

async function loadOne(spec: string, cwd: string): Promise<LoadedPlugin> {
  const resolved = resolvePlugin(spec, cwd);
  const again = loaded.find((p) => p.entry === resolved.entry);
  if (again) return again;
  const plugin = checkShape(await executeEntry(resolved), resolved);
  const sameName = loaded.find((p) => p.name === plugin.name);
  if (sameName) {
    throw new PluginError(
      `plugin '${spec}' is named '${plugin.name}', like the already loaded ${sameName.entry}; plugin names must be unique`,
      { spec, name: plugin.name },
    );
  }
  if (!isCompatibleApiVersion(plugin.apiVersion)) {
    throw new PluginError(
      `plugin '${plugin.name}' (${spec}) targets plugin API ${plugin.apiVersion}, but this det provides API ${PLUGIN_API_VERSION}; ` +
        `install a version of the plugin built for API ${PLUGIN_API_VERSION}`,
      { spec, name: plugin.name, pluginApiVersion: plugin.apiVersion, detApiVersion: PLUGIN_API_VERSION },
    );
  }
  try {
    // The owner scopes every registration to the plugin: `'<plugin name>.<ClassName>'`.
    await withOwner(plugin.name, () => plugin.register(pluginContext()));
  } catch (err) {
    unregisterOwner(plugin.name);
    const msg = (err as { message?: string })?.message ?? String(err);
    throw new PluginError(`plugin '${plugin.name}' (${spec}): register() failed: ${msg}`, { spec, name: plugin.name, cause: err });
  }
  const record: LoadedPlugin = { name: plugin.name, apiVersion: plugin.apiVersion, spec, entry: resolved.entry, version: packageVersion(resolved) };
  loaded.push(record);
  getLogger().debug(`loaded plugin ${record.name}`, { entry: record.entry });
  return record;
}

/**
 * Loads plugins in order (npm package names or paths relative to `cwd`) and runs their
 * `register(ctx)`. A plugin already loaded is skipped. Returns the records of `specs`.
 */
export async function loadPlugins(specs: readonly string[], options: { cwd?: string } = {}): Promise<LoadedPlugin[]> {
  const cwd = options.cwd ?? process.cwd();
  const out: LoadedPlugin[] = [];
  for (const spec of specs) out.push(await loadOne(spec, cwd));
  return out;
}
