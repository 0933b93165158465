import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DetError, HOOKS, OPTIMIZERS, RUNNERS, collectEnv, dumpConfig, formatEnv, setGlobalSeed,
  type ComponentConfig, type LogLevel, type ResolvedConfig,
} from '@det/registry';
import type { BaseRunner, Optimizer, RunnerModel, TrainingHooksConfig, WorkflowPhase } from '@det/runner';
import { applyCommonOptions, type CommonOptions } from '../common-options';
import { loadCoreLibs } from '../core-libs';
import { prepareConfig } from '../prepare-config';
import { buildDataset, buildDetector, buildLoader, loaderSettings, type LoaderWithDataset } from './build';
import { RunLogger } from './run-logger';
import { loadDetectorWeights, describeLoadReport, readCheckpointFile } from './weights';
import { defaultWorkDir } from './work-dir';
import { workerPluginModule } from './worker-plugins';
import { selectConfiguredBackend } from './configured-backend';

export interface TrainOptions extends CommonOptions {
  /** A checkpoint to resume from, or 'auto' for the newest one in the work dir. */
  resumeFrom?: string;
  /** Weights to start from (no optimizer state, counters from zero). */
  loadFrom?: string;
  deterministic?: boolean;
  /** false: no EvalHook on the val split. */
  validate?: boolean;
}

export interface TrainResult {
  workDir: string;
  /** The newest checkpoint (`latest.safetensors` when the checkpoint hook wrote one). */
  checkpoint: string | undefined;
  logFile: string;
  jsonLogFile: string;
  configFile: string;
  /** Scores of the last evaluation, when there was one. */
  metrics: Record<string, number> | undefined;
  classes: string[];
  seconds: number;
}

/**
 * MMDetection's tools/train.py + apis/train_detector: config → logger → env → backend → seed →
 * datasets → model → loaders → optimizer → runner with its hooks → run. Everything the run
 * writes goes to the work dir.
 */
export async function trainDetector(configFile: string, options: TrainOptions = {}): Promise<TrainResult> {
  const started = Date.now();
  await loadCoreLibs();
  await applyCommonOptions({ plugin: options.plugin });
  const resolved = await prepareConfig(configFile, options);
  const cfg = resolved.config as Record<string, unknown>;
  const workDir = path.resolve((cfg.workDir as string | undefined) ?? defaultWorkDir(configFile));
  cfg.workDir = workDir;
  fs.mkdirSync(workDir, { recursive: true });

  const { runnerTimestamp } = await import('@det/runner');
  const level = (options.debug ? 'debug' : ((cfg.logLevel as LogLevel | undefined) ?? 'info')) as LogLevel;
  const runLog = new RunLogger(path.join(workDir, `${runnerTimestamp()}.log`), level).install();
  const log = runLog.logger;
  const loaders: LoaderWithDataset[] = [];
  const evalLoaders: LoaderWithDataset[] = [];
  let model: RunnerModel | undefined;
  try {
    const configOut = path.join(workDir, 'config.json');
    fs.writeFileSync(configOut, dumpConfig(resolved.config, 'json'));
    log.info(`config: ${path.resolve(configFile)} (resolved copy: ${configOut})`);

    const { setDeterministic } = await import('@det/models');
    const backend = await selectConfiguredBackend(cfg, options.cudnnBenchmark, workDir, log);
    const env = collectEnv();
    log.info(`Environment info:\n${formatEnv(env).join('\n')}`);
    log.info(`tensor backend: ${backend}`);

    const seed = (cfg.seed as number | null | undefined) ?? Math.floor(Math.random() * 2 ** 31);
    setGlobalSeed(seed);
    const deterministic = options.deterministic ?? (cfg.deterministic as boolean | undefined) ?? false;
    log.info(`Set random seed to ${seed}, deterministic: ${deterministic}`);
    const kernels = setDeterministic(deterministic);
    if (kernels) log.info(`deterministic kernels: ${kernels}`);

    const trainSet = buildDataset(resolved, 'train');
    const classes = [...trainSet.classes];
    model = buildDetector(resolved, classes);
    log.info(`model ${String((cfg.model as ComponentConfig).type)}: ${countParameters(model)} parameters, ${classes.length} classes`);

    const workerPlugins = workerPluginModule(workDir);
    const trainSettings = { ...loaderSettings(resolved, 'train'), workerImports: workerPlugins ? [workerPlugins] : undefined };
    loaders.push(await buildLoader(trainSet, { ...trainSettings, shuffle: true, seed }));
    const workflow = ((cfg.workflow as WorkflowPhase[] | undefined) ?? [['train', 1]]) as WorkflowPhase[];
    if (workflow.some(([mode]) => mode === 'val')) {
      // A val phase computes losses, so its dataset needs annotations: the val split as in training mode.
      const valSet = buildDataset(resolved, 'val', { testMode: false, pipeline: (cfg.data as Record<string, { pipeline?: unknown }>).train.pipeline });
      loaders.push(await buildLoader(valSet, { ...trainSettings, shuffle: false, seed }));
    }

    const optimizer = OPTIMIZERS.build<Optimizer>(cfg.optimizer as ComponentConfig, { keyPath: 'optimizer', args: [model.parameters()] });
    const runnerCfg = cfg.runner as ComponentConfig;
    const meta = { config: resolved.config, env, seed, expName: path.basename(configFile), classes, configFile: path.resolve(configFile) };
    const runner = RUNNERS.build<BaseRunner>(runnerCfg, { keyPath: 'runner', defaults: { model, optimizer, workDir, logger: log, meta } });
    runLog.rename(path.join(workDir, `${runner.timestamp}.log`));

    runner.registerTrainingHooks(trainingHooks(cfg, runnerCfg.type === 'IterBasedRunner'));
    const evalHook = options.validate === false
      ? undefined
      : await registerEvalHook(runner, resolved, seed, runnerCfg.type !== 'IterBasedRunner', evalLoaders, trainSettings.workerImports);

    const resumeFrom = await resumeTarget(options.resumeFrom ?? (cfg.resumeFrom as string | null | undefined) ?? undefined, workDir);
    const loadFrom = options.loadFrom ?? (cfg.loadFrom as string | null | undefined) ?? undefined;
    if (resumeFrom) {
      await readCheckpointFile(resumeFrom); // existence and format, with det's wording
      await runner.resume(resumeFrom);
    } else if (loadFrom) {
      const { report } = await loadDetectorWeights(model, loadFrom, false);
      log.info(`load checkpoint from ${loadFrom}`);
      const problems = describeLoadReport(report);
      if (problems) log.warn(`${loadFrom}: ${problems}`);
    }

    await runner.run(loaders, workflow);
    const { findLatestCheckpoint } = await import('@det/runner');
    const jsonLogFile = path.join(workDir, `${runner.timestamp}.log.json`);
    return {
      workDir,
      checkpoint: findLatestCheckpoint(workDir) ?? undefined,
      logFile: runLog.logFile,
      jsonLogFile,
      configFile: configOut,
      metrics: (evalHook as { lastResults?: Record<string, number> } | undefined)?.lastResults,
      classes,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    for (const loader of [...loaders, ...evalLoaders]) await loader.close();
    model?.dispose();
    runLog.uninstall();
  }
}

function countParameters(model: RunnerModel): number {
  return Object.values(model.parameters()).reduce((n, v) => n + v.size, 0);
}

/**
 * The hook sections of the config; with an IterBasedRunner the LR, checkpoint and logger hooks
 * count iterations unless the config says otherwise (what MMCV's IterBasedRunner does).
 */
function trainingHooks(cfg: Record<string, unknown>, iterBased: boolean): TrainingHooksConfig {
  const byIter = <T extends Record<string, unknown> | null | undefined>(section: T): T =>
    iterBased && section ? ({ byEpoch: false, ...section } as T) : section;
  const logConfig = cfg.logConfig as TrainingHooksConfig['logConfig'];
  return {
    lrConfig: byIter(cfg.lrConfig as Record<string, unknown>) as TrainingHooksConfig['lrConfig'],
    momentumConfig: byIter(cfg.momentumConfig as Record<string, unknown>) as TrainingHooksConfig['momentumConfig'],
    optimizerConfig: (cfg.optimizerConfig as Record<string, unknown> | undefined) ?? {},
    checkpointConfig: byIter(cfg.checkpointConfig as Record<string, unknown>),
    logConfig: logConfig && iterBased ? { ...logConfig, hooks: logConfig.hooks.map((h) => ({ byEpoch: false, ...h })) } : logConfig,
    customHooks: cfg.customHooks as TrainingHooksConfig['customHooks'],
  };
}

/** EvalHook on the val split (test mode, batch 1 unless set), priority LOW as in MMDetection. */
async function registerEvalHook(
  runner: BaseRunner, resolved: ResolvedConfig, seed: number, byEpoch: boolean, opened: LoaderWithDataset[], workerImports?: string[],
): Promise<unknown> {
  const cfg = resolved.config as Record<string, unknown>;
  const data = (cfg.data ?? {}) as Record<string, unknown>;
  if (!data.val) return undefined;
  const valSet = buildDataset(resolved, 'val', { testMode: true });
  const dataloader = await buildLoader(valSet, { ...loaderSettings(resolved, 'val'), shuffle: false, seed, workerImports });
  const evaluation = { ...((cfg.evaluation as Record<string, unknown> | undefined) ?? {}) };
  const hook = HOOKS.build({ type: 'EvalHook', byEpoch, ...evaluation, dataloader } as ComponentConfig, { keyPath: 'evaluation' });
  runner.registerHook(hook as Parameters<BaseRunner['registerHook']>[0], 'LOW');
  opened.push(dataloader);
  return hook;
}

async function resumeTarget(resume: string | undefined, workDir: string): Promise<string | undefined> {
  if (resume !== 'auto') return resume;
  const { findLatestCheckpoint } = await import('@det/runner');
  const latest = findLatestCheckpoint(workDir);
  if (!latest) throw new DetError(`--resume auto: no checkpoint in ${workDir} to resume from`);
  return latest;
}
