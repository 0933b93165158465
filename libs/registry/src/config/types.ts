/** A buildable component: `type` picks the registered class, every other key is an option. */
export interface ComponentCfg {
  type: string;
  [option: string]: unknown;
}

export interface DataSplitsCfg {
  samplesPerGpu?: number;
  workersPerGpu?: number;
  train?: ComponentCfg;
  val?: ComponentCfg;
  test?: ComponentCfg;
  [option: string]: unknown;
}

export interface RunnerCfg {
  type: string;
  maxEpochs?: number;
  maxIters?: number;
  [option: string]: unknown;
}

/** `[['train', 1], ['val', 1]]`, as in MMDetection 2.x. */
export type WorkflowCfg = Array<[string, number]>;

/** Top-level keys of a det config (MMDetection 2.x structure, camelCase keys). */
export interface DetConfig {
  _base_?: string | string[];
  model?: ComponentCfg;
  data?: DataSplitsCfg;
  optimizer?: ComponentCfg;
  optimizerConfig?: Record<string, unknown>;
  lrConfig?: Record<string, unknown>;
  momentumConfig?: Record<string, unknown> | null;
  checkpointConfig?: Record<string, unknown>;
  logConfig?: Record<string, unknown>;
  evaluation?: Record<string, unknown>;
  runner?: RunnerCfg;
  workflow?: WorkflowCfg;
  customHooks?: ComponentCfg[];
  plugins?: string[];
  loadFrom?: string | null;
  resumeFrom?: string | null;
  workDir?: string;
  backend?: string;
  seed?: number | null;
  deterministic?: boolean;
  /**
   * MMDetection's `cudnn_benchmark`: time the kernel variants a backend has for each new layer
   * shape and keep the fastest. On webgpu this is det's kernel tuning, its choices saved in the
   * work dir (`webgpu-tuning.json`) so a resumed or repeated run starts tuned; the other backends
   * have one kernel per op and ignore it.
   */
  cudnnBenchmark?: boolean;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** Every key optional at every depth, plus `_delete_` markers: what a child config writes. */
export type ConfigOverride<T> = T extends (infer U)[]
  ? ConfigOverride<U>[]
  : T extends object
    ? { [K in keyof T]?: ConfigOverride<T[K]> } & { _delete_?: boolean }
    : T;

/**
 * Identity function that gives a `.ts` config its type checking. A config with `_base_` only
 * overrides parts of its bases, so every key is optional there (components may leave out `type`,
 * dicts may carry `_delete_`); a config without `_base_` must be a complete `DetConfig`:
 * `export default defineConfig({ _base_: './schedule_1x.ts', runner: { maxEpochs: 24 } })`.
 */
export function defineConfig<T extends ConfigOverride<DetConfig> & { _base_: string | string[] }>(cfg: T): T;
export function defineConfig<T extends DetConfig>(cfg: T): T;
export function defineConfig<T>(cfg: T): T {
  return cfg;
}
