import { ConfigError } from './errors';

export const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  // Compare by name, not identity: `.ts` configs are evaluated in Node's own realm, which has
  // another `Object` than jest's sandbox.
  const proto = Object.getPrototypeOf(v);
  return proto === null || (Object.getPrototypeOf(proto) === null && proto.constructor?.name === 'Object');
};

const joinKey = (keyPath: string, key: string | number) => (keyPath ? `${keyPath}.${key}` : String(key));

/**
 * Copies `value` into fresh plain JSON (objects, arrays, strings, finite numbers, booleans, null).
 * Anything else (functions, class instances, NaN, bigint, ...) fails with its key path and file,
 * because the resolved config must survive being saved in the work dir and in checkpoints.
 * `undefined` object members are dropped, as JSON would.
 */
export function toPlainJson(value: unknown, file: string, keyPath = ''): unknown {
  const fail = (what: string): never => {
    throw new ConfigError(`config key '${keyPath || '(root)'}' in ${file} is ${what}; configs must be plain JSON data`, { file, keyPath });
  };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : fail(`${value} (not a finite number)`);
  if (typeof value === 'function') return fail('a function');
  if (typeof value === 'undefined') return fail('undefined');
  if (typeof value !== 'object') return fail(`a ${typeof value}`);
  if (Array.isArray(value)) return value.map((item, i) => toPlainJson(item, file, joinKey(keyPath, i)));
  if (!isPlainObject(value)) return fail(`an instance of ${(value as object).constructor?.name ?? 'a class'}`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[k] = toPlainJson(v, file, joinKey(keyPath, k));
  }
  return out;
}
