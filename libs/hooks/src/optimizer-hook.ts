import * as tf from '@tensorflow/tfjs-core';
import { DetError, HOOKS } from '@det/registry';
import { rejectUnknownOptions } from './options';
import { Hook, clipGradNorm, isNamedArray, namedArrayToTensor, tensorToNamedArray, type BaseRunner } from '@det/runner';

export interface OptimizerHookOptions {
  /** Clip the global gradient norm before each step; `null` disables. */
  gradClip?: { maxNorm: number; normType?: number } | null;
  /** Accumulate this many iterations' gradients (averaged) per optimizer step. */
  cumulativeIters?: number;
}

/**
 * Applies each step's gradients (MMCV's OptimizerHook and GradientCumulativeOptimizerHook in one):
 * takes `runner.outputs.grads` (and disposes them), optionally averages N iterations, clips by
 * global norm (logging `grad_norm`, as MMCV does when clipping), then `optimizer.step`.
 */
@HOOKS.register()
export class OptimizerHook extends Hook {
  readonly gradClip: { maxNorm: number; normType: number } | undefined;
  readonly cumulativeIters: number;
  private accumulated: Record<string, tf.Tensor> | undefined;
  private divisibleIters = 0;
  private remainderIters = 0;

  constructor(options: OptimizerHookOptions = {}) {
    super();
    rejectUnknownOptions(options, ['gradClip', 'cumulativeIters'], 'optimizerConfig (OptimizerHook)');
    if (options.gradClip) rejectUnknownOptions(options.gradClip, ['maxNorm', 'normType'], 'optimizerConfig.gradClip');
    this.gradClip = options.gradClip ? { maxNorm: options.gradClip.maxNorm, normType: options.gradClip.normType ?? 2 } : undefined;
    this.cumulativeIters = options.cumulativeIters ?? 1;
    if (!Number.isInteger(this.cumulativeIters) || this.cumulativeIters < 1) {
      throw new DetError(`optimizerConfig.cumulativeIters must be a positive integer, got ${options.cumulativeIters}`);
    }
  }

  override beforeRun(runner: BaseRunner): void {
    const n = this.cumulativeIters;
    if (n > 1 && runner.iter % n !== 0 && !this.accumulated) {
      runner.logger.warn(`OptimizerHook: resuming at iter ${runner.iter}, not a multiple of cumulativeIters ${n}; the first steps accumulate fewer iterations`);
    }
    const max = runner.maxIters ?? Infinity;
    this.divisibleIters = Number.isFinite(max) ? Math.floor(max / n) * n : Infinity;
    this.remainderIters = Number.isFinite(max) ? max - this.divisibleIters : 0;
  }

  override async afterTrainIter(runner: BaseRunner): Promise<void> {
    const outputs = runner.outputs;
    if (!outputs?.grads) throw new DetError('OptimizerHook: model.trainStep returned no grads (it must return StepOutput.grads)');
    if (!runner.optimizer) throw new DetError('OptimizerHook: the runner has no optimizer');
    const grads = outputs.grads;
    outputs.grads = undefined; // this hook owns them now
    if (this.cumulativeIters === 1) {
      await this.apply(runner, grads, outputs.numSamples);
      return;
    }
    // Averaging as MMCV: each iteration contributes grad / factor, factor = iterations in this window.
    const factor = runner.iter < this.divisibleIters ? this.cumulativeIters : this.remainderIters;
    const acc = this.accumulated ?? {};
    for (const [k, g] of Object.entries(grads)) {
      const prev = acc[k];
      acc[k] = tf.tidy(() => (prev ? tf.add(prev, tf.div(g, factor)) : tf.div(g, factor)));
      prev?.dispose();
    }
    tf.dispose(Object.values(grads));
    this.accumulated = acc;
    if (this.everyNIters(runner, this.cumulativeIters) || this.isLastIter(runner)) {
      this.accumulated = undefined;
      await this.apply(runner, acc, outputs.numSamples);
    }
  }

  private async apply(runner: BaseRunner, grads: Record<string, tf.Tensor>, numSamples: number): Promise<void> {
    try {
      if (this.gradClip) {
        const norm = await clipGradNorm(grads, this.gradClip.maxNorm, this.gradClip.normType);
        runner.logBuffer.update({ grad_norm: norm }, numSamples);
      }
      runner.optimizer!.step(grads);
    } finally {
      tf.dispose(Object.values(grads));
    }
  }

  /** Gradients accumulated so far in the current window, so a resume mid-window stays exact. */
  override stateTensors(): tf.Tensor[] {
    return Object.values(this.accumulated ?? {});
  }

  override stateDict(): Record<string, unknown> {
    const acc = this.accumulated ?? {};
    return { accumulated: Object.fromEntries(Object.entries(acc).map(([k, t]) => [k, tensorToNamedArray(t)])) };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    if (this.accumulated) tf.dispose(Object.values(this.accumulated));
    const saved = (state.accumulated ?? {}) as Record<string, unknown>;
    const restored: Record<string, tf.Tensor> = {};
    for (const [k, a] of Object.entries(saved)) {
      if (!isNamedArray(a)) throw new DetError(`OptimizerHook state: accumulated gradient '${k}' is not an array`);
      restored[k] = namedArrayToTensor(a);
    }
    this.accumulated = Object.keys(restored).length ? restored : undefined;
  }

  override afterRun(): void {
    if (this.accumulated) tf.dispose(Object.values(this.accumulated));
    this.accumulated = undefined;
  }
}
