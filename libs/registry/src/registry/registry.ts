import { RegistryCollisionError, UnknownTypeError, DetError } from './errors';
import { callerPackage, currentOwner } from './owner';
import { nearestName } from './nearest';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Constructor<T = unknown> = new (...args: any[]) => T;

/** A component config: `type` picks the class, every other key is an option for it. */
export interface ComponentConfig {
  type: string;
  [option: string]: unknown;
}

export interface RegistryEntry<T = unknown> {
  /** Name as written in configs. */
  name: string;
  /** Package (or plugin) that registered it. */
  owner: string;
  /** Scoped form, always unique: `owner.name`. */
  scopedName: string;
  target: Constructor<T>;
}

export interface RegisterOptions {
  name?: string;
  /** Replace an entry of the same owner and name instead of failing. */
  force?: boolean;
  owner?: string;
}

export interface BuildOptions {
  /** Where in the config this component was asked for, e.g. `model.backbone`; used in errors. */
  keyPath?: string;
  /** Options used where the config leaves them out. */
  defaults?: Record<string, unknown>;
  /** Extra constructor arguments after the options object. */
  args?: unknown[];
}

/** Packages whose names may not be shadowed by a plugin. */
export const isCorePackage = (owner: string): boolean => owner.startsWith('@det/') || owner === 'det';

/** Provides the list of loaded plugins for error messages (set by the plugin loader). */
let loadedPluginNames: () => string[] = () => [];
export function setLoadedPluginsProvider(fn: () => string[]): void {
  loadedPluginNames = fn;
}

/**
 * Maps names to classes for one kind of component and builds them from configs.
 * Construction convention: `new Cls(options, ...args)` where `options` is the config minus `type`.
 */
export class Registry<T = unknown> {
  private readonly byName = new Map<string, RegistryEntry<T>[]>();

  constructor(readonly name: string) {}

  /** Decorator form: `@BACKBONES.register()` or `@BACKBONES.register('Alias')`. */
  register(nameOrOptions?: string | RegisterOptions) {
    const opts = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : (nameOrOptions ?? {});
    return <C extends Constructor<T>>(target: C): C => {
      this.add(target, opts);
      return target;
    };
  }

  /** Function form of `register`. Returns the entry. */
  add(target: Constructor<T>, options: RegisterOptions = {}): RegistryEntry<T> {
    if (typeof target !== 'function') {
      throw new DetError(`registry '${this.name}': can only register classes, got ${typeof target}`);
    }
    const name = options.name ?? target.name;
    const owner = options.owner ?? currentOwner() ?? callerPackage() ?? 'unknown';
    const entry: RegistryEntry<T> = { name, owner, scopedName: `${owner}.${name}`, target };
    const same = this.byName.get(name) ?? [];
    const clash = same.find((e) => e.owner === owner);
    if (clash && !options.force) {
      throw new RegistryCollisionError(
        `registry '${this.name}': '${name}' is already registered by ${owner}; pass { force: true } to replace it`,
      );
    }
    const core = same.find((e) => e.owner !== owner && (isCorePackage(e.owner) || isCorePackage(owner)));
    if (core) {
      throw new RegistryCollisionError(
        `registry '${this.name}': '${name}' from ${owner} collides with '${name}' from ${core.owner}; ` +
          `core names cannot be shadowed — give the plugin's class another name`,
      );
    }
    this.byName.set(name, [...same.filter((e) => e.owner !== owner), entry]);
    return entry;
  }

  /** Removes an entry (used by tests and by plugin unloading). */
  remove(name: string, owner?: string): void {
    const rest = (this.byName.get(name) ?? []).filter((e) => owner !== undefined && e.owner !== owner);
    if (rest.length) this.byName.set(name, rest);
    else this.byName.delete(name);
  }

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /** The class registered under `name` (or `owner.name`); throws a did-you-mean error if absent. */
  get(name: string, keyPath?: string): Constructor<T> {
    const entry = this.find(name);
    if (entry) return entry.target;
    const ambiguous = this.byName.get(name);
    if (ambiguous && ambiguous.length > 1) {
      throw new UnknownTypeError(
        `registry '${this.name}'${keyPath ? ` (at ${keyPath})` : ''}: '${name}' is registered by several plugins; ` +
          `use one of ${ambiguous.map((e) => `'${e.scopedName}'`).join(', ')}`,
      );
    }
    const names = this.list();
    const near = nearestName(name, [...names, ...this.entries().map((e) => e.scopedName)]);
    const plugins = loadedPluginNames();
    throw new UnknownTypeError(
      `registry '${this.name}'${keyPath ? ` (at ${keyPath})` : ''}: unknown type '${name}'.` +
        (near ? ` Did you mean '${near}'?` : '') +
        `\n  registered: ${names.length ? names.join(', ') : '(nothing)'}` +
        `\n  plugins loaded: ${plugins.length ? plugins.join(', ') : '(none)'}`,
      { registry: this.name, type: name, keyPath, registered: names, nearest: near, plugins },
    );
  }

  /** Sorted plain names (a name registered by several plugins appears once). */
  list(): string[] {
    return [...this.byName.keys()].sort();
  }

  entries(): RegistryEntry<T>[] {
    return [...this.byName.values()].flat().sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Builds `cfg.type` with the remaining keys as options. */
  build<R extends T = T>(cfg: ComponentConfig, options: BuildOptions = {}): R {
    const where = options.keyPath ? ` at ${options.keyPath}` : '';
    if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) {
      throw new DetError(`registry '${this.name}': expected a config object${where}, got ${JSON.stringify(cfg)}`);
    }
    if (typeof cfg.type !== 'string') {
      throw new DetError(
        `registry '${this.name}': config${where} has no string 'type' (keys: ${Object.keys(cfg).join(', ') || 'none'})`,
      );
    }
    const { type, ...rest } = cfg;
    const Target = this.get(type, options.keyPath);
    try {
      return new Target({ ...(options.defaults ?? {}), ...rest }, ...(options.args ?? [])) as R;
    } catch (err) {
      if (err instanceof DetError) throw err;
      const msg = err instanceof Error ? err.message : String(err);
      const wrapped = new DetError(`registry '${this.name}': building '${type}'${where} failed: ${msg}`, { cause: err });
      if (err instanceof Error) wrapped.stack = `${wrapped.stack}\nCaused by: ${err.stack}`;
      throw wrapped;
    }
  }

  private find(name: string): RegistryEntry<T> | undefined {
    const dot = name.lastIndexOf('.');
    if (dot > 0) {
      const owner = name.slice(0, dot);
      const hit = this.byName.get(name.slice(dot + 1))?.find((e) => e.owner === owner);
      if (hit) return hit;
    }
    const list = this.byName.get(name);
    return list && list.length === 1 ? list[0] : undefined;
  }
}
