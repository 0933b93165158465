import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from './errors';
import { evaluateModule, transpileJs, transpileTs, transpiledMappings } from './ts-module';
import { originalLine } from './source-map-line';

export const CONFIG_EXTENSIONS = ['.ts', '.js', '.cjs', '.json', '.yaml', '.yml'] as const;

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? `:${lineColumn(text, Number(pos[1])).line}:${lineColumn(text, Number(pos[1])).column}` : '';
    throw new ConfigError(`cannot parse ${file}${where}: ${msg}`, { file, cause: err });
  }
}

function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    const first = doc.errors[0];
    const where = first.linePos ? `:${first.linePos[0].line}:${first.linePos[0].col}` : '';
    throw new ConfigError(`cannot parse ${file}${where}: ${first.message.split('\n')[0]}`, { file, cause: first });
  }
  return doc.toJS() ?? {};
}

/** `export default {...}` wins; otherwise every named export is a top-level key (like MMDetection's). */
function exportsToConfig(exported: unknown): unknown {
  if (exported && typeof exported === 'object' && 'default' in exported) {
    return (exported as { default: unknown }).default;
  }
  if (exported && typeof exported === 'object') {
    const { __esModule: _ignored, ...named } = exported as Record<string, unknown>;
    return named;
  }
  return exported;
}

function evaluateScript(source: string, file: string, ext: string): unknown {
  // `.js` may be written as an ES module (`export default {...}`); `.cjs` is CommonJS by definition.
  const code = ext === '.ts' ? transpileTs(source, file) : ext === '.js' ? transpileJs(source, file) : source;
  try {
    return exportsToConfig(evaluateModule(code, file));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // Duck-typed: the config runs in Node's own realm, whose `Error` is not jest's.
    const { message: msg = String(err), stack } = (err ?? {}) as { message?: string; stack?: string };
    const frame = stack?.split('\n').find((l) => l.includes(file));
    const generated = frame ? Number(/:(\d+):\d+\)?\s*$/.exec(frame)?.[1]) : NaN;
    const mappings = transpiledMappings.get(file);
    const line = Number.isNaN(generated) ? undefined : mappings ? originalLine(mappings, generated) : generated;
    throw new ConfigError(`error while evaluating ${file}${line ? `:${line}` : ''}: ${msg}`, { file, cause: err });
  }
}

/** Reads one config file (no `_base_` handling) into a plain object. */
export function readConfigFile(file: string): Record<string, unknown> {
  const ext = path.extname(file).toLowerCase();
  if (!(CONFIG_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new ConfigError(`unsupported config format '${ext || '(none)'}' for ${file}; use one of ${CONFIG_EXTENSIONS.join(', ')}`, { file });
  }
  const text = fs.readFileSync(file, 'utf8');
  let value: unknown;
  if (ext === '.json') value = parseJson(text, file);
  else if (ext === '.yaml' || ext === '.yml') value = parseYaml(text, file);
  else value = evaluateScript(text, file, ext);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`config ${file} must define an object of top-level keys, got ${Array.isArray(value) ? 'an array' : typeof value}`, { file });
  }
  return value as Record<string, unknown>;
}
