// Public surface of config loading (re-exported by the package's src/index.ts).
export { type DetConfig, type ComponentCfg, type DataSplitsCfg, type RunnerCfg, type WorkflowCfg, type ConfigOverride, defineConfig } from './types';
export { ConfigError } from './errors';
export { loadConfig, resolveConfig, type LoadConfigOptions, type ResolvedConfig } from './load';
export { parseCfgOption, parseCfgValue, applyCfgOptions, setByKeyPath, type CfgOption } from './cfg-options';
export { mergeConfig } from './merge';
export { ConfigOrigins } from './origins';
export { validateConfig, extendConfigSchema, knownConfigKeys } from './schema';
export { dumpConfig, type ConfigFormat } from './dump';
export { getByKeyPath, requireKeyPath } from './key-path';
export { buildAt } from './build-at';
