import { stringify } from 'yaml';
import { ConfigError } from './errors';

export type ConfigFormat = 'json' | 'yaml';

/** Text of a resolved config; `loadConfig` of the written file gives the same object back. */
export function dumpConfig(cfg: object, format: ConfigFormat = 'yaml'): string {
  if (format === 'json') return `${JSON.stringify(cfg, null, 2)}\n`;
  if (format === 'yaml') return stringify(cfg, { aliasDuplicateObjects: false, lineWidth: 0 });
  throw new ConfigError(`unknown config dump format '${String(format)}'; use 'json' or 'yaml'`);
}
