import { DetError, RUNNERS } from '@det/registry';
import type { DataLoaderLike } from '../model/interfaces';
import { BaseRunner, type RunnerOptions, type RunnerSaveOptions, type WorkflowPhase } from './base-runner';
import { isHook } from '../hooks/hook';
import type { TrainingHooksConfig } from './training-hooks';
import { validateWorkflow } from './workflow';

/** Endless view of a loader (MMCV's IterLoader): restarts it, bumping its epoch, when exhausted. */
export class IterLoader<B = unknown> {
  epoch = 0;
  private it: AsyncIterator<B>;

  constructor(readonly loader: DataLoaderLike<B>) {
    this.it = loader[Symbol.asyncIterator]();
  }

  get length(): number {
    return this.loader.length;
  }

  /**
   * Moves to where a run that already did `iters` iterations on this loader stood: its epoch
   * (with `setEpoch`) and the position inside it, by drawing and dropping the batches before it.
   */
  async fastForward(iters: number): Promise<void> {
    const len = this.loader.length;
    if (!(len > 0) || iters <= 0) return;
    this.epoch = Math.floor(iters / len);
    if (this.loader.setEpoch) this.loader.setEpoch(this.epoch);
    else this.loader.sampler?.setEpoch?.(this.epoch);
    this.it = this.loader[Symbol.asyncIterator]();
    for (let i = 0; i < iters % len; i++) await this.it.next();
  }

  async next(): Promise<B> {
    let r = await this.it.next();
    if (r.done) {
      this.epoch++;
      if (this.loader.setEpoch) this.loader.setEpoch(this.epoch);
      else this.loader.sampler?.setEpoch?.(this.epoch);
      this.it = this.loader[Symbol.asyncIterator]();
      r = await this.it.next();
      if (r.done) throw new DetError('IterBasedRunner: a data loader yielded no batches');
    }
    return r.value;
  }
}

/** MMCV's IterBasedRunner: workflow counts are iterations, loaders cycle. */
@RUNNERS.register()
export class IterBasedRunner extends BaseRunner {
  private iterLoaders = new Map<DataLoaderLike, IterLoader>();

  constructor(options: RunnerOptions) {
    super(options);
    if (!Number.isInteger(options.maxIters) || options.maxIters! < 1) {
      throw new DetError(`runner.maxIters must be a positive integer for IterBasedRunner, got ${JSON.stringify(options.maxIters)}`);
    }
  }

  async run(dataLoaders: DataLoaderLike[], workflow: WorkflowPhase[]): Promise<void> {
    validateWorkflow(dataLoaders, workflow);
    this.logger.info(`Start running, work_dir: ${this.workDir}`);
    this.logger.info(`Hooks will be executed in the following order:\n${this.getHookInfo()}`);
    this.logger.info(`workflow: ${JSON.stringify(workflow)}, max: ${this.maxIters} iters`);
    this.restoreHookStates();
    await this.callHook('beforeRun');
    const loaders = dataLoaders.map((l) => this.iterLoader(l));
    // MMCV restarts loaders from scratch on resume; det continues the train loader where the
    // interrupted run was, so a resumed run sees the same batches as an uninterrupted one.
    const trainAt = workflow.findIndex(([mode]) => mode === 'train');
    if (this.iter > 0 && loaders[trainAt].epoch === 0) {
      this.logger.info(`resuming the train loader at iteration ${this.iter} (skipping ${this.iter % dataLoaders[trainAt].length} batches)`);
      await loaders[trainAt].fastForward(this.iter);
      this.epoch = loaders[trainAt].epoch; // what hooks such as DistSamplerSeedHook will pass on
    }
    await this.callHook('beforeEpoch');
    outer: while (this.iter < this.maxIters! && !this.stop) {
      for (let i = 0; i < workflow.length; i++) {
        this.innerIter = 0;
        const [mode, iters] = workflow[i];
        for (let k = 0; k < iters; k++) {
          if (this.stop) break outer;
          if (mode === 'train' && this.iter >= this.maxIters!) break;
          await this[mode](loaders[i].loader);
        }
      }
    }
    await this.callHook('afterEpoch');
    await this.callHook('afterRun');
  }

  /**
   * As MMCV's IterBasedRunner: LR, momentum, checkpoint and logger hooks default to
   * `byEpoch: false` (an iteration runner has no epochs to schedule by); a config value wins.
   */
  override registerTrainingHooks(cfg: TrainingHooksConfig): void {
    const byIter = <T>(c: T): T => (c && !isHook(c) && typeof c === 'object' ? ({ byEpoch: false, ...c } as T) : c);
    super.registerTrainingHooks({
      ...cfg,
      lrConfig: byIter(cfg.lrConfig),
      momentumConfig: byIter(cfg.momentumConfig),
      checkpointConfig: byIter(cfg.checkpointConfig),
      logConfig: cfg.logConfig ? { ...cfg.logConfig, hooks: (cfg.logConfig.hooks ?? []).map((h) => byIter(h)) } : cfg.logConfig,
    });
  }

  private iterLoader(loader: DataLoaderLike): IterLoader {
    let it = this.iterLoaders.get(loader);
    if (!it) this.iterLoaders.set(loader, (it = new IterLoader(loader)));
    return it;
  }

  /** One training iteration on the next batch of the (cycling) loader. */
  async train(dataLoader: DataLoaderLike): Promise<void> {
    const it = this.iterLoader(dataLoader);
    this.model.train(true);
    this.mode = 'train';
    this.dataLoader = dataLoader;
    this.epoch = it.epoch;
    await this.iteration(await it.next(), 'train');
    this.innerIter++;
    this.iter++;
  }

  /** One validation iteration. */
  async val(dataLoader: DataLoaderLike): Promise<void> {
    const it = this.iterLoader(dataLoader);
    this.model.train(false);
    this.mode = 'val';
    this.dataLoader = dataLoader;
    await this.iteration(await it.next(), 'val');
    this.innerIter++;
  }

  /** Called by CheckpointHook after a train iteration (before `iter` increments). */
  async saveCheckpoint(outDir: string, options: RunnerSaveOptions = {}): Promise<string> {
    const tmpl = options.filenameTmpl ?? 'iter_{}.safetensors';
    const content = await this.snapshot({ epoch: this.epoch + 1, iter: this.iter + 1 }, options);
    return this.writeCheckpoint(outDir, tmpl.replace('{}', String(this.iter + 1)), content, options.createLatest ?? true);
  }

  protected override restoreCounters(epoch: number, iter: number): void {
    this.innerIter = iter;
    this.epoch = epoch;
  }
}
