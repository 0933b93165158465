// Public surface of plugin loading (re-exported by the package's src/index.ts).
export { PLUGIN_API_VERSION, type DetPlugin, type PluginContext, type LoadedPlugin, type PluginManifest } from './types';
export { PluginError } from './errors';
export { loadPlugins, loadedPlugins, isCompatibleApiVersion, pluginContext } from './load';
export { resolvePlugin, type ResolvedPlugin } from './resolve';
export { readPluginManifest, discoverPlugins } from './manifest';
