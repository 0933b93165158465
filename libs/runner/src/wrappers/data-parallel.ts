import type * as tf from '@tensorflow/tfjs-core';
import { MODEL_WRAPPERS } from '@det/registry';
import type { LoadReport, RunnerDetResult, RunnerModel, StepOutput } from '../model/interfaces';
import type { Optimizer } from '../optim/optimizer';

/**
 * MMCV's MMDataParallel on one device: the loader already yields a collated batch, so every call
 * goes straight to the wrapped model. Kept so configs and code written against the wrapper
 * (`runner.model.module`) work unchanged. Built as `MODEL_WRAPPERS.build({ type: 'DataParallel' }, { args: [model] })`.
 */
@MODEL_WRAPPERS.register()
export class DataParallel implements RunnerModel {
  constructor(
    _options: Record<string, unknown>,
    readonly module: RunnerModel,
  ) {}

  get numClasses(): number | Record<string, number> | undefined {
    return this.module.numClasses;
  }

  trainStep(batch: unknown, optimizer?: Optimizer): Promise<StepOutput> { return this.module.trainStep(batch, optimizer); }
  valStep(batch: unknown): Promise<StepOutput> { return this.module.valStep(batch); }
  forwardTest(batch: unknown, options?: { rescale?: boolean; augTest?: boolean }): Promise<RunnerDetResult[]> {
    return this.module.forwardTest(batch, options);
  }
  parameters(): Record<string, tf.Variable> { return this.module.parameters(); }
  stateDict(): Record<string, tf.Tensor> { return this.module.stateDict(); }
  loadStateDict(sd: Record<string, tf.Tensor>, options?: { strict?: boolean }): LoadReport { return this.module.loadStateDict(sd, options); }
  train(mode = true): void { this.module.train(mode); }
  dispose(): void { this.module.dispose(); }
}

/** The model inside any number of wrappers. */
export function unwrapModel(model: RunnerModel): RunnerModel {
  let m = model;
  while (m instanceof DataParallel) m = m.module;
  return m;
}
