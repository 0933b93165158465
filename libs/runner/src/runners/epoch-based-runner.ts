import { DetError, RUNNERS } from '@det/registry';
import type { DataLoaderLike } from '../model/interfaces';
import { BaseRunner, type RunnerOptions, type RunnerSaveOptions, type WorkflowPhase } from './base-runner';
import { validateWorkflow } from './workflow';

/** MMCV's EpochBasedRunner: each workflow phase runs whole epochs of its loader. */
@RUNNERS.register()
export class EpochBasedRunner extends BaseRunner {
  constructor(options: RunnerOptions) {
    super(options);
    if (!Number.isInteger(options.maxEpochs) || options.maxEpochs! < 1) {
      throw new DetError(`runner.maxEpochs must be a positive integer for EpochBasedRunner, got ${JSON.stringify(options.maxEpochs)}`);
    }
  }

  async run(dataLoaders: DataLoaderLike[], workflow: WorkflowPhase[]): Promise<void> {
    validateWorkflow(dataLoaders, workflow);
    const trainAt = workflow.findIndex(([mode]) => mode === 'train');
    this.maxIters = this.maxEpochs! * dataLoaders[trainAt].length;
    this.logger.info(`Start running, work_dir: ${this.workDir}`);
    this.logger.info(`Hooks will be executed in the following order:\n${this.getHookInfo()}`);
    this.logger.info(`workflow: ${JSON.stringify(workflow)}, max: ${this.maxEpochs} epochs`);
    this.restoreHookStates();
    await this.callHook('beforeRun');
    outer: while (this.epoch < this.maxEpochs! && !this.stop) {
      for (let i = 0; i < workflow.length; i++) {
        const [mode, epochs] = workflow[i];
        for (let e = 0; e < epochs; e++) {
          if (this.stop) break outer;
          if (mode === 'train' && this.epoch >= this.maxEpochs!) break;
          await this[mode](dataLoaders[i]);
        }
      }
    }
    await this.callHook('afterRun');
  }

  async train(dataLoader: DataLoaderLike): Promise<void> {
    this.model.train(true);
    this.mode = 'train';
    this.dataLoader = dataLoader;
    this.maxIters = this.maxEpochs! * dataLoader.length;
    await this.callHook('beforeTrainEpoch');
    let i = 0;
    for await (const batch of iterate(dataLoader)) {
      this.innerIter = i;
      await this.iteration(batch, 'train');
      this.iter++;
      i++;
      // A stop mid-epoch leaves the epoch unfinished: no afterTrainEpoch, no epoch increment.
      if (this.stop) return;
    }
    await this.callHook('afterTrainEpoch');
    this.epoch++;
  }

  async val(dataLoader: DataLoaderLike): Promise<void> {
    this.model.train(false);
    this.mode = 'val';
    this.dataLoader = dataLoader;
    await this.callHook('beforeValEpoch');
    let i = 0;
    for await (const batch of iterate(dataLoader)) {
      this.innerIter = i;
      await this.iteration(batch, 'val');
      i++;
      if (this.stop) return;
    }
    await this.callHook('afterValEpoch');
  }

  /** Called by CheckpointHook after a train epoch (before `epoch` increments), as in MMCV. */
  async saveCheckpoint(outDir: string, options: RunnerSaveOptions = {}): Promise<string> {
    const tmpl = options.filenameTmpl ?? 'epoch_{}.safetensors';
    const content = await this.snapshot({ epoch: this.epoch + 1, iter: this.iter }, options);
    return this.writeCheckpoint(outDir, tmpl.replace('{}', String(this.epoch + 1)), content, options.createLatest ?? true);
  }
}

/** `for await` over a loader object (its async-iterator method bound to it). */
export function iterate<B>(loader: DataLoaderLike<B>): AsyncIterable<B> {
  return { [Symbol.asyncIterator]: () => loader[Symbol.asyncIterator]() };
}
