import * as path from 'node:path';
import { getLogger, loadPlugins, resolveConfig, validateConfig, type ResolvedConfig } from '@det/registry';
import type { CommonOptions } from './common-options';

/**
 * What a command that builds from a config does first: load the config with `--cfg-options`,
 * load the plugins it names (`plugins: [...]`, paths relative to the config file) so their types
 * can be built, and let `--work-dir`, `--seed` and `--backend` override the config's keys.
 * Load `--plugin`s first (applyCommonOptions): a config may use their types.
 */
export async function prepareConfig(configFile: string, options: CommonOptions): Promise<ResolvedConfig> {
  const resolved = resolveConfig(configFile, { cfgOptions: options.cfgOptions ?? [], skipValidation: true });
  const config = resolved.config as Record<string, unknown>;
  const flags: [string, string, unknown][] = [
    ['--work-dir', 'workDir', options.workDir],
    ['--seed', 'seed', options.seed],
    ['--backend', 'backend', options.backend],
  ];
  for (const [flag, key, value] of flags) {
    if (value === undefined) continue;
    config[key] = value;
    resolved.origins.set(key, value, flag);
  }
  validateConfig(config, path.resolve(configFile), resolved.origins);
  const plugins = resolved.config.plugins ?? [];
  if (plugins.length) {
    const loaded = await loadPlugins(plugins, { cwd: path.dirname(path.resolve(configFile)) });
    getLogger().debug('loaded config plugins', { plugins: loaded.map((p) => p.name) });
  }
  return resolved;
}
