import type { Registry } from '../registry/registry';
import type { ComponentConfig, BuildOptions } from '../registry/registry';
import { requireKeyPath } from './key-path';
import type { ResolvedConfig } from './load';

/**
 * Builds the component at `keyPath` of a resolved config; registry errors (unknown type, bad
 * options) name the key path and the file that set it.
 */
export function buildAt<R = unknown>(
  registry: Registry,
  resolved: ResolvedConfig,
  keyPath: string,
  options: Omit<BuildOptions, 'keyPath'> = {},
): R {
  const cfg = requireKeyPath(resolved.config, keyPath) as ComponentConfig;
  const source = resolved.origins.of(`${keyPath}.type`) ?? resolved.origins.of(keyPath);
  return registry.build(cfg, { ...options, keyPath: source ? `${keyPath}, set in ${source}` : keyPath }) as R;
}
