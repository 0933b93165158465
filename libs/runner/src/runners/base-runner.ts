import * as path from 'node:path';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { DetError, getLogger, globalRng, HOOKS, type ComponentConfig, type Logger, type RngState } from '@det/registry';
import { Hook, HOOK_STAGES, isHook, type HookMethod, type HookStage } from '../hooks/hook';
import { getPriority, priorityName, type PriorityLike } from '../hooks/priority';
import { LogBuffer } from '../log/log-buffer';
import type { DataLoaderLike, RunnerModel, StepOutput } from '../model/interfaces';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer';
import { readToHost } from '../optim/state-arrays';
import { checkpointContent, loadCheckpoint as readCheckpoint, loadWeightsInto } from '../checkpoint/checkpoint';
import { encodeCheckpoint, type CheckpointContent } from '../checkpoint/codec';
import { getCheckpointStore } from '../checkpoint/file-store';
import { LATEST_NAME } from '../checkpoint/find-latest';
import { buildHook, policyHookConfig, type TrainingHooksConfig } from './training-hooks';

export interface RunnerOptions {
  model: RunnerModel;
  optimizer?: Optimizer;
  workDir?: string;
  logger?: Logger;
  meta?: Record<string, unknown>;
  maxEpochs?: number;
  maxIters?: number;
}

/** A phase of the workflow: `['train', n]` or `['val', n]` (epochs or iterations by runner). */
export type WorkflowPhase = [mode: 'train' | 'val', count: number];

export interface RunnerSaveOptions {
  /** `{}` is replaced by the epoch (or iteration) number. */
  filenameTmpl?: string;
  saveOptimizer?: boolean;
  meta?: Record<string, unknown>;
  /** Also write `latest.safetensors` (a full copy: portable, and atomic like every save). */
  createLatest?: boolean;
}

/** Runner timestamps as MMCV: `20261126_022350`, local time. */
export function runnerTimestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * What both runners share (MMCV's BaseRunner): counters, the sorted hook list, the log buffer,
 * LR/momentum readout, checkpoint save / load / resume. Everything that runs a step is async.
 */
export abstract class BaseRunner {
  model: RunnerModel;
  optimizer?: Optimizer;
  readonly workDir: string;
  logger: Logger;
  meta: Record<string, unknown>;
  readonly timestamp = runnerTimestamp();
  readonly logBuffer = new LogBuffer();

  mode: 'train' | 'val' | undefined;
  epoch = 0;
  iter = 0;
  innerIter = 0;
  maxEpochs: number | undefined;
  maxIters: number | undefined;
  outputs: StepOutput | undefined;
  dataLoader: DataLoaderLike | undefined;
  dataBatch: unknown;
  /** Set by a hook (early stopping, a fatal check) to end `run` after the current iteration. */
  stop = false;

  private readonly hookList: Hook[] = [];
  private pendingHookStates: Record<string, unknown> | undefined;
  private warnedUnusedGrads = false;

  constructor(options: RunnerOptions) {
    if (!options || !options.model) throw new DetError('runner: options.model is required');
    for (const m of ['trainStep', 'valStep', 'train'] as const) {
      if (typeof (options.model as unknown as Record<string, unknown>)[m] !== 'function') {
        throw new DetError(`runner: the model has no ${m}() method (it must implement RunnerModel from @det/runner)`);
      }
    }
    this.model = options.model;
    this.optimizer = options.optimizer;
    this.workDir = path.resolve(options.workDir ?? 'work_dirs');
    fs.mkdirSync(this.workDir, { recursive: true });
    this.logger = options.logger ?? getLogger();
    this.meta = options.meta ?? {};
    this.maxEpochs = options.maxEpochs;
    this.maxIters = options.maxIters;
  }

  get hooks(): readonly Hook[] {
    return this.hookList;
  }

  abstract run(dataLoaders: DataLoaderLike[], workflow: WorkflowPhase[]): Promise<void>;
  abstract train(dataLoader: DataLoaderLike): Promise<void>;
  abstract val(dataLoader: DataLoaderLike): Promise<void>;
  /** Saves `<outDir>/<filenameTmpl with the epoch or iter>`; returns the path. */
  abstract saveCheckpoint(outDir: string, options?: RunnerSaveOptions): Promise<string>;

  /** Inserts after every hook of lower-or-equal priority, so equal priorities keep registration order. */
  registerHook(hook: Hook, priority: PriorityLike | string = 'NORMAL'): void {
    if (!isHook(hook)) throw new DetError(`registerHook: expected a Hook, got ${(hook as object)?.constructor?.name ?? typeof hook}`);
    const value = getPriority(priority);
    hook.priority = value;
    let at = this.hookList.length;
    while (at > 0 && this.hookList[at - 1].priority > value) at--;
    this.hookList.splice(at, 0, hook);
  }

  /** `{ type, priority?, ...options }` built from HOOKS (core or plugin hooks alike). */
  registerHookFromCfg(cfg: ComponentConfig & { priority?: PriorityLike }, keyPath = 'customHooks'): Hook {
    const { priority = 'NORMAL', ...rest } = cfg;
    const hook = buildHook(rest as ComponentConfig, keyPath);
    this.registerHook(hook, priority);
    return hook;
  }

  /** MMCV's register_training_hooks with its default priorities. */
  registerTrainingHooks(cfg: TrainingHooksConfig): void {
    const { lrConfig, momentumConfig, optimizerConfig, checkpointConfig, logConfig, customHooks } = cfg;
    const timerConfig = cfg.timerConfig === undefined ? { type: 'IterTimerHook' } : cfg.timerConfig;
    if (lrConfig) {
      const hook = isHook(lrConfig) ? lrConfig : buildHook(policyHookConfig(lrConfig, 'LrUpdaterHook', 'lrConfig'), 'lrConfig');
      this.registerHook(hook, 'VERY_HIGH');
    }
    if (momentumConfig) {
      const hook = isHook(momentumConfig)
        ? momentumConfig
        : buildHook(policyHookConfig(momentumConfig, 'MomentumUpdaterHook', 'momentumConfig'), 'momentumConfig');
      this.registerHook(hook, 'HIGH');
    }
    if (optimizerConfig) this.registerHook(buildHook(withType(optimizerConfig, 'OptimizerHook'), 'optimizerConfig'), 'ABOVE_NORMAL');
    if (checkpointConfig) this.registerHook(buildHook(withType(checkpointConfig, 'CheckpointHook'), 'checkpointConfig'), 'NORMAL');
    if (timerConfig) this.registerHook(buildHook(withType(timerConfig, 'IterTimerHook'), 'timerConfig'), 'LOW');
    if (logConfig) {
      (logConfig.hooks ?? []).forEach((h, i) => {
        const hook = HOOKS.build(h, { keyPath: `logConfig.hooks.${i}`, defaults: { interval: logConfig.interval ?? 10 } });
        if (!isHook(hook)) throw new DetError(`logConfig.hooks.${i}: '${h.type}' is not a Hook (extend Hook from @det/runner)`);
        this.registerHook(hook, 'VERY_LOW');
      });
    }
    (customHooks ?? []).forEach((h, i) => this.registerHookFromCfg(h, `customHooks.${i}`));
  }

  /** Calls `method` on every hook in priority order; a hook's unexpected error is reported with its name and stage. */
  async callHook(method: HookMethod): Promise<void> {
    for (const hook of this.hookList) {
      try {
        await hook[method](this);
      } catch (err) {
        if (err instanceof DetError) throw err;
        const msg = err instanceof Error ? err.message : String(err);
        const wrapped = new DetError(
          `${hook.constructor.name}.${method} failed at epoch ${this.epoch + 1}, iteration ${this.iter + 1}: ${msg}`,
          { cause: err, hook: hook.constructor.name, stage: method },
        );
        if (err instanceof Error) wrapped.stack = `${wrapped.stack}\nCaused by: ${err.stack}`;
        throw wrapped;
      }
    }
  }

  /** Hooks per stage in call order, formatted as MMCV prints it at the start of a run. */
  getHookInfo(): string {
    const byStage = new Map<HookStage, string[]>(HOOK_STAGES.map((s) => [s, []]));
    for (const hook of this.hookList) {
      const info = `(${priorityName(hook.priority).padEnd(12)}) ${hook.constructor.name.padEnd(35)}`;
      for (const stage of hook.getTriggeredStages()) byStage.get(stage)!.push(info);
    }
    const parts: string[] = [];
    for (const [stage, infos] of byStage) {
      if (infos.length) parts.push(`${stage}:\n${infos.join('\n')}\n -------------------- `);
    }
    return parts.join('\n');
  }

  /** Learning rate of each param group. */
  currentLr(): number[] {
    if (!this.optimizer) throw new DetError('runner.currentLr(): the runner has no optimizer');
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Momentum (SGD) or β1 (Adam) of each param group. */
  currentMomentum(): number[] {
    if (!this.optimizer) throw new DetError('runner.currentMomentum(): the runner has no optimizer');
    return this.optimizer.paramGroups.map((g) => g.momentum ?? g.betas?.[0] ?? 0);
  }

  /**
   * One iteration as both runners run it: before-hook, the step, after-hook, then whatever
   * gradients no hook took are freed (also when a hook throws).
   */
  protected async iteration(batch: unknown, mode: 'train' | 'val'): Promise<void> {
    const train = mode === 'train';
    this.dataBatch = batch;
    await this.callHook(train ? 'beforeTrainIter' : 'beforeValIter');
    try {
      await this.runIter(batch, train);
      await this.callHook(train ? 'afterTrainIter' : 'afterValIter');
      if (train) this.checkGradsTaken();
    } finally {
      this.releaseOutputs();
      this.dataBatch = undefined;
    }
  }

  /** Runs one step and records its logVars; grads stay in `outputs` for the OptimizerHook. */
  protected async runIter(batch: unknown, trainMode: boolean): Promise<void> {
    const outputs = trainMode ? await this.model.trainStep(batch, this.optimizer) : await this.model.valStep(batch);
    if (!outputs || typeof outputs.logVars !== 'object' || typeof outputs.numSamples !== 'number') {
      disposeGrads(outputs);
      throw new DetError(`runner: model.${trainMode ? 'trainStep' : 'valStep'} must return { loss, logVars, numSamples } (got keys: ${Object.keys(outputs ?? {}).join(', ')})`);
    }
    this.logBuffer.update(outputs.logVars, outputs.numSamples);
    this.outputs = outputs;
  }

  /** Warns once when a train step's gradients were left untouched by every hook. */
  protected checkGradsTaken(): void {
    if (this.outputs?.grads && !this.warnedUnusedGrads) {
      this.warnedUnusedGrads = true;
      this.logger.warn('no hook applied the gradients of the train step (is optimizerConfig missing?); they are discarded');
    }
  }

  /** Gradients no hook took (e.g. no OptimizerHook, or a hook threw) are freed here. */
  protected releaseOutputs(): void {
    disposeGrads(this.outputs);
  }

  // ---- checkpoints -------------------------------------------------------------------------

  /** Hook states keyed by class name (`Name#2` for the second hook of one class). */
  protected collectHookStates(): Record<string, unknown> {
    const states: Record<string, unknown> = {};
    for (const [key, hook] of this.keyedHooks()) if (hook.stateDict) states[key] = hook.stateDict();
    return states;
  }

  private keyedHooks(): [string, Hook][] {
    const seen = new Map<string, number>();
    return this.hookList.map((h) => {
      const name = h.constructor.name;
      const n = (seen.get(name) ?? 0) + 1;
      seen.set(name, n);
      return [n === 1 ? name : `${name}#${n}`, h];
    });
  }

  /**
   * Checkpoint content for the current state; `counters` are what MMCV stores (epoch+1 / iter…).
   * Every tensor the sync state dicts read is first read to the host with `await data()`.
   */
  protected async snapshot(counters: { epoch: number; iter: number }, options: RunnerSaveOptions): Promise<CheckpointContent> {
    const optimizer = options.saveOptimizer === false ? undefined : this.optimizer;
    await readToHost([
      ...Object.values(this.model.stateDict()),
      ...(optimizer?.stateTensors() ?? []),
      ...this.hookList.flatMap((h) => h.stateTensors?.() ?? []),
    ]);
    const meta: Record<string, unknown> = {
      ...(options.meta ?? {}),
      ...this.meta,
      ...counters,
      hookStates: this.collectHookStates(),
      rng: globalRng().getState(),
      lrState: this.optimizer ? { lr: this.currentLr(), momentum: this.currentMomentum() } : undefined,
    };
    return checkpointContent({ model: this.model, optimizer, meta });
  }

  protected async writeCheckpoint(outDir: string, filename: string, content: CheckpointContent, createLatest: boolean): Promise<string> {
    const store = getCheckpointStore();
    const file = path.join(outDir, filename);
    const bytes = encodeCheckpoint(content);
    await store.save(file, bytes);
    if (createLatest) await store.save(path.join(outDir, LATEST_NAME), bytes);
    return file;
  }

  /** Loads weights only; with `strict: false` the report of missing/unexpected keys is logged. */
  async loadCheckpoint(file: string, options: { strict?: boolean } = {}): Promise<CheckpointContent> {
    const strict = options.strict ?? false;
    const ckpt = await readCheckpoint(file);
    const report = loadWeightsInto(this.model, ckpt.stateDict, strict);
    const problems = [
      report.missing.length ? `missing keys: ${report.missing.join(', ')}` : '',
      report.unexpected.length ? `unexpected keys: ${report.unexpected.join(', ')}` : '',
      report.mismatched.length ? `shape mismatch: ${report.mismatched.map((m) => `${m.key} [${m.expected}] vs [${m.got}]`).join(', ')}` : '',
    ].filter(Boolean);
    if (problems.length && strict) throw new DetError(`${file}: the checkpoint does not match the model — ${problems.join('; ')}`);
    this.logger.info(`load checkpoint from ${file}`);
    if (problems.length) this.logger.warn(`${file}: ${problems.join('; ')}`);
    return ckpt;
  }

  /** Restores weights, optimizer, counters, RNG and hook states so training continues exactly. */
  async resume(file: string, options: { resumeOptimizer?: boolean } = {}): Promise<void> {
    const ckpt = await this.loadCheckpoint(file, { strict: true });
    const meta = ckpt.meta;
    if (typeof meta.epoch !== 'number' || typeof meta.iter !== 'number') {
      throw new DetError(`${file}: not a training checkpoint (meta has no epoch/iter); use loadFrom to load weights only`);
    }
    this.epoch = meta.epoch;
    this.iter = meta.iter;
    this.restoreCounters(meta.epoch, meta.iter);
    const { hookStates, rng, lrState: _lr, epoch: _e, iter: _i, hookMsgs, ...rest } = meta as Record<string, unknown> & {
      hookStates?: Record<string, unknown>;
      rng?: RngState;
      hookMsgs?: Record<string, unknown>;
    };
    // This run's meta (config, env, seed) describes the new process and wins; hook messages
    // (best score, last checkpoint) carry over from the checkpoint.
    const ownMsgs = (this.meta.hookMsgs ?? {}) as Record<string, unknown>;
    this.meta = { ...rest, ...this.meta, hookMsgs: { ...ownMsgs, ...(hookMsgs ?? {}) } };
    if (options.resumeOptimizer !== false && ckpt.optimizer && this.optimizer) {
      this.optimizer.loadStateDict(ckpt.optimizer as OptimizerStateDict);
    }
    if (rng) globalRng().setState(rng);
    this.pendingHookStates = { ...(hookStates ?? {}) };
    this.restoreHookStates();
    this.logger.info(`resumed epoch ${this.epoch}, iter ${this.iter}`);
  }

  /**
   * Gives resumed hook states to the hooks registered so far; `run` calls it again so hooks
   * registered after `resume` get theirs too. Each state is applied once.
   */
  protected restoreHookStates(): void {
    const pending = this.pendingHookStates;
    if (!pending) return;
    for (const [key, hook] of this.keyedHooks()) {
      if (hook.loadStateDict && pending[key] !== undefined) {
        hook.loadStateDict(pending[key] as Record<string, unknown>);
        delete pending[key];
      }
    }
  }

  /** Runner-specific counters after a resume (IterBasedRunner also sets innerIter). */
  protected restoreCounters(_epoch: number, _iter: number): void {}
}

function withType(cfg: Record<string, unknown> | Hook, type: string): ComponentConfig | Hook {
  return isHook(cfg) ? cfg : ({ type, ...cfg } as ComponentConfig);
}

function disposeGrads(outputs: StepOutput | undefined): void {
  if (outputs?.grads) {
    tf.dispose(Object.values(outputs.grads));
    outputs.grads = undefined;
  }
}
