import * as tf from '@tensorflow/tfjs-core';
import { Hook } from '../hooks/hook';
import type { BaseRunner } from '../runners/base-runner';

/** Appends `<name>:<stage>` to a shared log at every stage. */
export class RecordingHook extends Hook {
  constructor(readonly name: string, readonly log: string[]) {
    super();
  }
  override beforeRun(): void { this.log.push(`${this.name}:beforeRun`); }
  override afterRun(): void { this.log.push(`${this.name}:afterRun`); }
  override beforeEpoch(): void { this.log.push(`${this.name}:beforeEpoch`); }
  override afterEpoch(): void { this.log.push(`${this.name}:afterEpoch`); }
  override beforeIter(r: BaseRunner): void { this.log.push(`${this.name}:beforeIter:${r.mode}`); }
  override afterIter(r: BaseRunner): void { this.log.push(`${this.name}:afterIter:${r.mode}`); }
}

/** Applies the step's gradients with the runner's optimizer (a minimal OptimizerHook). */
export class ApplyGradsHook extends Hook {
  override afterTrainIter(runner: BaseRunner): void {
    const grads = runner.outputs!.grads!;
    runner.outputs!.grads = undefined;
    runner.optimizer!.step(grads);
    tf.dispose(Object.values(grads));
  }
}
