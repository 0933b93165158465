import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadedPlugins } from '@det/registry';

/**
 * Loader workers rebuild the dataset from its config in a fresh thread, so a plugin's transforms
 * or datasets must be registered there too. Writes `<workDir>/.det-worker-plugins.cjs`, which
 * registers the plugins this process loaded, for `buildDataLoader({ workerImports })`; undefined
 * when no plugin is loaded.
 */
export function workerPluginModule(workDir: string): string | undefined {
  const plugins = loadedPlugins();
  if (!plugins.length) return undefined;
  const file = path.join(workDir, '.det-worker-plugins.cjs');
  // The registry module the dataset code of the worker resolves too (one set of registries).
  const registry = require.resolve('@det/registry');
  const code = `'use strict';
// Written by det train: registers, in a data loader worker, the plugins the main process loaded.
const { pluginContext, withOwner } = require(${JSON.stringify(registry)});
for (const entry of ${JSON.stringify(plugins.map((p) => p.entry))}) {
  const mod = require(entry);
  const plugin = mod && mod.default && typeof mod.default === 'object' ? mod.default : mod;
  withOwner(plugin.name, () => plugin.register(pluginContext()));
}
`;
  fs.writeFileSync(file, code);
  return file;
}
