import { isPlainObject } from './plain-json';

/**
 * Which file last set each key path of a merged config (`model.backbone.depth` → `a.ts`), so
 * errors can say where a bad value came from. `--cfg-options` overrides are recorded as such.
 */
export class ConfigOrigins {
  private readonly byPath = new Map<string, string>();

  /** Records `file` for `keyPath` and every key below it, forgetting what was there before. */
  set(keyPath: string, value: unknown, file: string): void {
    for (const p of [...this.byPath.keys()]) if (p.startsWith(`${keyPath}.`)) this.byPath.delete(p);
    this.mark(keyPath, value, file);
  }

  /** Records `file` for one key path without touching its children (a dict being merged into). */
  touch(keyPath: string, file: string): void {
    this.byPath.set(keyPath, file);
  }

  /** The file behind `keyPath`: its own entry, else the nearest recorded parent. */
  of(keyPath: string): string | undefined {
    for (let p = keyPath; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
      const hit = this.byPath.get(p);
      if (hit) return hit;
    }
    return undefined;
  }

  /** Top-level key → file that set it last. */
  topLevel(): Record<string, string> {
    return Object.fromEntries([...this.byPath].filter(([p]) => !p.includes('.')));
  }

  private mark(keyPath: string, value: unknown, file: string): void {
    this.byPath.set(keyPath, file);
    if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) this.mark(`${keyPath}.${k}`, v, file);
  }
}
