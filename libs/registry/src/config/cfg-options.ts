import { ConfigError } from './errors';
import { ConfigOrigins } from './origins';
import { isPlainObject } from './plain-json';

/** One `--cfg-options` override: `data.train.pipeline.2.imgScale=[640,480]`. */
export interface CfgOption {
  key: string;
  value: unknown;
}

export const CFG_OPTIONS_SOURCE = '--cfg-options';

const OPEN = '[(';
const CLOSE = '])';
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Splits at commas that are outside brackets and quotes. */
function splitTopLevel(text: string, option: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (OPEN.includes(c)) depth++;
    else if (CLOSE.includes(c)) {
      if (--depth < 0) throw new ConfigError(`--cfg-options '${option}': unbalanced '${c}' at character ${i + 1}`);
    } else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quote) throw new ConfigError(`--cfg-options '${option}': unterminated ${quote} quote`);
  if (depth !== 0) throw new ConfigError(`--cfg-options '${option}': unbalanced brackets`);
  parts.push(text.slice(start));
  return parts;
}

/** Index of the bracket closing the one at 0, or -1. */
function closingBracket(text: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (OPEN.includes(c)) depth++;
    else if (CLOSE.includes(c) && --depth === 0) return i;
  }
  return -1;
}

function parseScalar(text: string): unknown {
  const s = text.trim();
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) return s.slice(1, -1);
  if (NUMBER.test(s)) return Number(s);
  if (s === 'true' || s === 'True') return true;
  if (s === 'false' || s === 'False') return false;
  if (s === 'null' || s === 'None' || s === '~') return null;
  return s;
}

/**
 * Value side of a `--cfg-options` item, in MMDetection's DictAction style: numbers, booleans,
 * null/None, quoted or bare strings, `[1,2]` lists, `(1,2)` tuples (→ arrays), nesting, and a
 * bare `1,2` meaning a list.
 */
export function parseCfgValue(text: string, option = text): unknown {
  const s = text.trim();
  const parts = splitTopLevel(s, option);
  if (parts.length > 1) {
    // `(1,)`: a trailing comma does not add an element.
    if (parts[parts.length - 1].trim() === '') parts.pop();
    return parts.map((p) => parseCfgValue(p, option));
  }
  if (s && OPEN.includes(s[0]) && closingBracket(s) === s.length - 1) {
    const expected = CLOSE[OPEN.indexOf(s[0])];
    if (s[s.length - 1] !== expected) {
      throw new ConfigError(`--cfg-options '${option}': '${s[0]}' closed by '${s[s.length - 1]}'`);
    }
    const inner = s.slice(1, -1);
    if (inner.trim() === '') return [];
    const items = splitTopLevel(inner, option);
    if (items[items.length - 1].trim() === '') items.pop();
    return items.map((p) => parseCfgValue(p, option));
  }
  return parseScalar(s);
}

/** `a.b.c=value` → `{ key: 'a.b.c', value }`. */
export function parseCfgOption(option: string): CfgOption {
  const eq = option.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--cfg-options '${option}': expected KEY=VALUE, e.g. optimizer.lr=0.01`);
  const key = option.slice(0, eq).trim();
  if (key.split('.').some((part) => part === '')) {
    throw new ConfigError(`--cfg-options '${option}': key '${key}' has an empty part`);
  }
  return { key, value: parseCfgValue(option.slice(eq + 1), option) };
}

/**
 * Sets `key` (dotted; numeric parts index lists) to `value` inside `cfg` (mutated). Missing dicts
 * along the way are created; indexing past a list's end or into a scalar fails with the path.
 */
export function setByKeyPath(cfg: Record<string, unknown>, key: string, value: unknown, origins?: ConfigOrigins): void {
  const parts = key.split('.');
  let node: unknown = cfg;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const last = i === parts.length - 1;
    const here = parts.slice(0, i).join('.') || '(root)';
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(part)) throw new ConfigError(`--cfg-options ${key}: '${here}' is a list, so '${part}' must be an index`);
      const index = Number(part);
      if (index >= node.length) {
        throw new ConfigError(`--cfg-options ${key}: index ${index} is past the end of '${here}' (length ${node.length})`);
      }
      if (last) node[index] = value;
      else node = node[index];
    } else if (isPlainObject(node)) {
      if (last) node[part] = value;
      else {
        if (node[part] === undefined) node[part] = {};
        node = node[part];
      }
    } else {
      throw new ConfigError(`--cfg-options ${key}: cannot set '${part}' inside '${here}', which is ${JSON.stringify(node)}`);
    }
  }
  origins?.set(key, value, CFG_OPTIONS_SOURCE);
}

/** Applies `['a.b=1', ...]` in order. */
export function applyCfgOptions(cfg: Record<string, unknown>, options: readonly string[], origins?: ConfigOrigins): void {
  for (const option of options) {
    const { key, value } = parseCfgOption(option);
    setByKeyPath(cfg, key, value, origins);
  }
}
