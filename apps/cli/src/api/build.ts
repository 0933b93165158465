import { DATASETS, DETECTORS, DetError, buildAt, type ComponentConfig, type ResolvedConfig } from '@det/registry';
import type { DataLoader, DetDataset } from '@det/data';
import { setNumClasses } from '@det/models';
import type { RunnerModel } from '@det/runner';

export type Split = 'train' | 'val' | 'test';

/** A dataset built from `data.<split>` (a list of configs is concatenated, as MMDetection does). */
export function buildDataset(resolved: ResolvedConfig, split: Split, overrides: Record<string, unknown> = {}): DetDataset {
  const data = (resolved.config.data ?? {}) as Record<string, unknown>;
  const cfg = data[split];
  if (!cfg) throw new DetError(`config ${resolved.files?.[0] ?? ''}: 'data.${split}' is not set; the command needs a ${split} dataset`);
  if (Array.isArray(cfg)) {
    return DATASETS.build({ type: 'ConcatDataset', datasets: cfg.map((c) => ({ ...c, ...overrides })) }, { keyPath: `data.${split}` });
  }
  return buildAt<DetDataset>(DATASETS, withOverrides(resolved, `data.${split}`, overrides), `data.${split}`);
}

function withOverrides(resolved: ResolvedConfig, keyPath: string, overrides: Record<string, unknown>): ResolvedConfig {
  if (!Object.keys(overrides).length) return resolved;
  const [root, split] = keyPath.split('.');
  const config = resolved.config as Record<string, Record<string, unknown>>;
  const data = { ...config[root], [split]: { ...(config[root][split] as object), ...overrides } };
  return { ...resolved, config: { ...resolved.config, [root]: data } } as ResolvedConfig;
}

/**
 * The model config with `numClasses` of its heads set from the dataset's classes where the config
 * leaves it out (the dataset is the single source of the class count, docs/contracts.md).
 */
export function withNumClasses(model: ComponentConfig, classes: readonly string[] | undefined): ComponentConfig {
  if (!classes?.length) return model;
  return setNumClasses(structuredClone(model), classes.length);
}

/** Builds `model` with the class count filled in; errors name the key path and the file. */
export function buildDetector(resolved: ResolvedConfig, classes?: readonly string[]): RunnerModel {
  const model = resolved.config.model as ComponentConfig | undefined;
  if (!model) throw new DetError(`config ${resolved.files?.[0] ?? ''}: 'model' is not set`);
  const filled = { ...resolved, config: { ...resolved.config, model: withNumClasses(model, classes) } } as ResolvedConfig;
  const detector = buildAt<RunnerModel>(DETECTORS, filled, 'model');
  for (const m of ['trainStep', 'forwardTest', 'stateDict', 'loadStateDict'] as const) {
    if (typeof (detector as unknown as Record<string, unknown>)[m] !== 'function') {
      throw new DetError(`model '${model.type}' has no ${m}() method: a detector must implement RunnerModel (@det/runner)`);
    }
  }
  return detector;
}

/** `data.samplesPerGpu` / `workersPerGpu` with the split's own override (MMDetection lets val/test set `samplesPerGpu`). */
export function loaderSettings(resolved: ResolvedConfig, split: Split): { samplesPerGpu: number; workersPerGpu: number } {
  const data = (resolved.config.data ?? {}) as Record<string, unknown>;
  const splitCfg = (Array.isArray(data[split]) ? {} : (data[split] ?? {})) as Record<string, unknown>;
  const samplesPerGpu = Number(split === 'train' ? (data.samplesPerGpu ?? 2) : (splitCfg.samplesPerGpu ?? 1));
  const workersPerGpu = Number(data.workersPerGpu ?? 0);
  return { samplesPerGpu, workersPerGpu };
}

/** A loader that also carries its dataset (EvalHook and NumClassCheckHook read `loader.dataset`). */
export type LoaderWithDataset = DataLoader & { dataset: DetDataset };

export async function buildLoader(
  dataset: DetDataset,
  options: { samplesPerGpu: number; workersPerGpu: number; shuffle: boolean; seed: number; workerImports?: string[] },
): Promise<LoaderWithDataset> {
  const { buildDataLoader } = await import('@det/data');
  const loader = buildDataLoader(dataset, options) as LoaderWithDataset;
  if (!('dataset' in loader) || !loader.dataset) Object.defineProperty(loader, 'dataset', { value: dataset });
  return loader;
}
