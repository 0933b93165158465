import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyCfgOptions } from './cfg-options';
import { ConfigError } from './errors';
import { mergeConfig } from './merge';
import { ConfigOrigins } from './origins';
import { toPlainJson } from './plain-json';
import { CONFIG_EXTENSIONS, readConfigFile } from './read-file';
import { validateConfig } from './schema';
import type { DetConfig } from './types';

export const BASE_KEY = '_base_';

export interface LoadConfigOptions {
  /** `--cfg-options` items, `key.path=value`, applied after all merging. */
  cfgOptions?: readonly string[];
  /** Skip the top-level schema check (for tools that print partial configs). */
  skipValidation?: boolean;
}

export interface ResolvedConfig {
  config: DetConfig;
  /** Which file (or `--cfg-options`) set each key path. */
  origins: ConfigOrigins;
  /** Every file read, root first, in the order they were loaded. */
  files: string[];
}

/** Resolves a `_base_` entry; without an extension, tries the known ones. */
function resolveBase(ref: string, fromFile: string): string {
  const target = path.resolve(path.dirname(fromFile), ref);
  if (fs.existsSync(target)) return target;
  if (!path.extname(ref)) {
    for (const ext of CONFIG_EXTENSIONS) if (fs.existsSync(target + ext)) return target + ext;
  }
  throw new ConfigError(`base config '${ref}' referenced from ${fromFile} not found (looked for ${target})`, {
    file: target,
    referencedFrom: fromFile,
  });
}

function baseRefs(raw: Record<string, unknown>, file: string): string[] {
  const refs = raw[BASE_KEY];
  if (refs === undefined) return [];
  if (typeof refs === 'string') return [refs];
  if (Array.isArray(refs) && refs.every((r) => typeof r === 'string')) return refs;
  throw new ConfigError(`'${BASE_KEY}' in ${file} must be a path or a list of paths, got ${JSON.stringify(refs)}`, { file });
}

function formatCycle(chain: string[], rootDir: string): string {
  return chain.map((f) => path.relative(rootDir, f) || path.basename(f)).join(' -> ');
}

/** One file with its bases merged under it; `stack` is the chain of files being loaded. */
function resolveFile(file: string, stack: string[], origins: ConfigOrigins, files: string[], rootDir: string): Record<string, unknown> {
  if (stack.includes(file)) {
    const chain = [...stack.slice(stack.indexOf(file)), file];
    throw new ConfigError(`circular _base_ chain: ${formatCycle(chain, rootDir)}`, { chain });
  }
  files.push(file);
  const raw = toPlainJson(readConfigFile(file), file) as Record<string, unknown>;
  let merged: Record<string, unknown> = {};
  const baseOwner = new Map<string, string>();
  for (const ref of baseRefs(raw, file)) {
    const baseFile = resolveBase(ref, file);
    const base = resolveFile(baseFile, [...stack, file], origins, files, rootDir);
    // As in MMDetection, sibling bases may not both define a top-level key: which one wins would
    // depend on list order, which is easy to get wrong silently.
    for (const key of Object.keys(base)) {
      const other = baseOwner.get(key);
      if (other) {
        throw new ConfigError(`top-level key '${key}' is defined by two bases of ${file}: ${other} and ${baseFile}`, { file, key });
      }
      baseOwner.set(key, baseFile);
    }
    merged = { ...merged, ...base };
  }
  const { [BASE_KEY]: _bases, ...own } = raw;
  return mergeConfig(merged, own, file, origins);
}

/** Loads a config with its `_base_` chain, `--cfg-options` and validation, keeping the sources. */
export function resolveConfig(file: string, options: LoadConfigOptions = {}): ResolvedConfig {
  const root = path.resolve(file);
  if (!fs.existsSync(root)) throw new ConfigError(`config file not found: ${root}`, { file: root });
  const origins = new ConfigOrigins();
  const files: string[] = [];
  const config = resolveFile(root, [], origins, files, path.dirname(root));
  applyCfgOptions(config, options.cfgOptions ?? [], origins);
  if (!options.skipValidation) validateConfig(config, root, origins);
  return { config: config as DetConfig, origins, files };
}

/**
 * Reads a `.ts`/`.js`/`.json`/`.yaml` config into plain JSON: bases merged, overrides applied,
 * top-level keys checked.
 */
export function loadConfig(file: string, options: LoadConfigOptions = {}): DetConfig {
  return resolveConfig(file, options).config;
}
