import { ConfigError } from './errors';
import { isPlainObject } from './plain-json';

/** The value at a dotted key path (`data.train.pipeline.2`), or undefined. */
export function getByKeyPath(cfg: unknown, keyPath: string): unknown {
  let node = cfg;
  for (const part of keyPath.split('.').filter(Boolean)) {
    if (Array.isArray(node) && /^\d+$/.test(part)) node = node[Number(part)];
    else if (isPlainObject(node)) node = node[part];
    else return undefined;
  }
  return node;
}

/** Like `getByKeyPath`, but a missing key is an error naming the path. */
export function requireKeyPath(cfg: unknown, keyPath: string, file?: string): unknown {
  const value = getByKeyPath(cfg, keyPath);
  if (value === undefined) {
    throw new ConfigError(`config${file ? ` ${file}` : ''} has no '${keyPath}'`, { keyPath, file });
  }
  return value;
}
