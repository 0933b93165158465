import { AsyncLocalStorage } from 'node:async_hooks';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Who registers a component: the plugin being loaded (set by the plugin loader), otherwise the
 * npm package that holds the calling file. Async-safe so that `await` inside a plugin's
 * `register()` keeps its owner.
 */
const activeOwner = new AsyncLocalStorage<string>();

export function withOwner<R>(owner: string, fn: () => R): R {
  return activeOwner.run(owner, fn);
}

export function currentOwner(): string | undefined {
  return activeOwner.getStore();
}

const packageNameCache = new Map<string, string | undefined>();

/** Name in the nearest package.json above `file`, cached per folder. */
export function packageNameOf(file: string): string | undefined {
  let dir = path.dirname(file);
  const seen: string[] = [];
  let found: string | undefined;
  for (;;) {
    if (packageNameCache.has(dir)) {
      found = packageNameCache.get(dir);
      break;
    }
    seen.push(dir);
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        found = JSON.parse(fs.readFileSync(pj, 'utf8')).name;
      } catch {
        found = undefined;
      }
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of seen) packageNameCache.set(d, found);
  return found;
}

// Decorator plumbing between the class and the registry call; never the owner.
const HELPER_PACKAGES = /[\\/]node_modules[\\/](tsyringe|reflect-metadata|@swc[\\/]helpers|tslib)[\\/]/;

/** Package of the first stack frame outside this registry package. */
export function callerPackage(): string | undefined {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  // Skip this file and registry.ts (same folder), whatever the extension (src .ts or dist .js).
  const internal = (file: string) => path.dirname(file) === __dirname && /^(owner|registry)\.[jt]s$/.test(path.basename(file));
  for (const line of stack) {
    const m = /\(?((?:\/|[A-Za-z]:\\)[^():]+):\d+:\d+\)?\s*$/.exec(line);
    if (!m) continue;
    const file = m[1];
    if (internal(file) || HELPER_PACKAGES.test(file) || file.startsWith('node:')) continue;
    return packageNameOf(file);
  }
  return undefined;
}
