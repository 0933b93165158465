import type { DependencyContainer } from 'tsyringe';
import type { Logger } from '../di/services';
import type { Registry } from '../registry/registry';

/** Version of the plugin interface; a plugin is compatible when its major version matches. */
export const PLUGIN_API_VERSION = 1;

/** What `register(ctx)` receives. */
export interface PluginContext {
  /** Root registries by kind (`ctx.registries.head.add(MyHead)`). */
  registries: Readonly<Record<string, Registry>>;
  /** The root DI container: a plugin may register services (e.g. its own IMAGE_DECODER). */
  container: DependencyContainer;
  logger: Logger;
  apiVersion: number;
}

/** The shape a plugin's entry module exports (as `default` or as `module.exports`). */
export interface DetPlugin {
  name: string;
  apiVersion: number;
  register(ctx: PluginContext): void | Promise<void>;
}

/** A plugin after loading. */
export interface LoadedPlugin {
  name: string;
  apiVersion: number;
  /** As given on the command line or in the config. */
  spec: string;
  /** The module file that was executed. */
  entry: string;
  /** From the plugin's package.json, when it has one. */
  version?: string;
}

/** `"det"` field of a plugin's package.json: what it adds, readable without running it. */
export interface PluginManifest {
  name: string;
  version?: string;
  apiVersion?: number;
  /** Registry kind → component names, e.g. `{ head: ['YOLOv3Head'] }`. */
  contributes: Record<string, string[]>;
  packageJson: string;
}
