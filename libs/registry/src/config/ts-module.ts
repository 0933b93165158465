import * as fs from 'node:fs';
import * as path from 'node:path';
import Module from 'node:module';
import * as vm from 'node:vm';
import type * as Swc from '@swc/core';
import { ConfigError } from './errors';

type NodeModuleInternals = typeof Module & {
  _nodeModulePaths(dir: string): string[];
};

/** TypeScript → CommonJS with swc (no type check: configs are data, `tsc` checks them in editors). */
/** Source-map `mappings` of each transpiled file, to report the user's line numbers in errors. */
export const transpiledMappings = new Map<string, string>();

export function transpileTs(source: string, file: string): string {
  return transpile(source, file, 'typescript');
}

/** ES-module JavaScript (`export default`) → CommonJS; CommonJS passes through unchanged. */
export function transpileJs(source: string, file: string): string {
  return transpile(source, file, 'ecmascript');
}

function transpile(source: string, file: string, syntax: 'typescript' | 'ecmascript'): string {
  try {
    // Loaded on first use: most commands never read a .ts file, and swc costs ~40 ms to load.
    const { transformSync } = require('@swc/core') as typeof Swc;
    const out = transformSync(source, {
      filename: file,
      jsc: {
        parser: { syntax, decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
      sourceMaps: true,
      swcrc: false,
      configFile: false,
    });
    if (out.map) transpiledMappings.set(file, JSON.parse(out.map).mappings);
    return out.code;
  } catch (err) {
    throw new ConfigError(`cannot parse ${file}:\n${String(err instanceof Error ? err.message : err).trim()}`, {
      file,
      cause: err,
    });
  }
}

const TS_CANDIDATES = ['', '.ts', '/index.ts'];

/** A relative import that points at a TypeScript file (Node's own require cannot load those). */
function resolveTsImport(id: string, fromDir: string): string | undefined {
  if (!id.startsWith('.') && !path.isAbsolute(id)) return undefined;
  for (const suffix of TS_CANDIDATES) {
    const candidate = path.resolve(fromDir, id + suffix);
    if (candidate.endsWith('.ts') && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/**
 * Evaluates CommonJS `code` as if it were the file `file`: `require` resolves relative to it,
 * relative `.ts` imports are transpiled the same way, and `@det/registry` is this very package
 * (so a config sees the same registries, and works before `dist/` is built).
 */
export function evaluateModule(code: string, file: string, seen = new Map<string, unknown>()): unknown {
  const cached = seen.get(file);
  if (cached) return cached;
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as NodeModuleInternals)._nodeModulePaths(path.dirname(file));
  seen.set(file, mod.exports);
  const nodeRequire = Module.createRequire(file);
  const localRequire = Object.assign(
    (id: string): unknown => {
      // Lazy: index.ts re-exports this file, so a top-level import would be circular.
      if (id === '@det/registry') return require('../index');
      // Other det packages come from the host's own require too, so a .ts plugin or config shares
      // the host's module instances (registries, base classes for instanceof) in every setup,
      // jest's source mode included.
      if (id.startsWith('@det/')) return require(id);
      const tsFile = resolveTsImport(id, path.dirname(file));
      if (tsFile) return evaluateModule(transpileTs(fs.readFileSync(tsFile, 'utf8'), tsFile), tsFile, seen);
      return nodeRequire(id);
    },
    { resolve: nodeRequire.resolve, cache: nodeRequire.cache },
  );
  // vm with `filename` keeps the config's own file:line in stack traces of errors it throws.
  const wrapper = vm.runInThisContext(Module.wrap(code), { filename: file }) as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, localRequire, mod, file, path.dirname(file));
  seen.set(file, mod.exports);
  return mod.exports;
}
