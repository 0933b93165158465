import { ConfigOrigins } from './origins';
import { isPlainObject } from './plain-json';

export const DELETE_KEY = '_delete_';

/** Removes every `_delete_` marker (they only mean something while merging). */
export function stripDeleteMarkers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDeleteMarkers);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== DELETE_KEY) out[k] = stripDeleteMarkers(v);
  return out;
}

/**
 * MMDetection's merge: dicts merge key by key, anything else (lists included) replaces, and a dict
 * carrying `_delete_: true` replaces the base dict instead of merging into it.
 * Returns a new object; records in `origins` which keys `file` set.
 */
export function mergeConfig(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
  file: string,
  origins: ConfigOrigins,
  keyPath = '',
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (key === DELETE_KEY) continue;
    const path = keyPath ? `${keyPath}.${key}` : key;
    const old = out[key];
    if (isPlainObject(value) && isPlainObject(old) && value[DELETE_KEY] !== true) {
      origins.touch(path, file);
      out[key] = mergeConfig(old, value, file, origins, path);
    } else {
      out[key] = stripDeleteMarkers(value);
      origins.set(path, out[key], file);
    }
  }
  return out;
}
