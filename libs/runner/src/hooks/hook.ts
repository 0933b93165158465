import type * as tf from '@tensorflow/tfjs-core';
import type { BaseRunner } from '../runners/base-runner';

/** Stages the runners call, in MMCV's order (camelCase). */
export const HOOK_STAGES = [
  'beforeRun',
  'beforeTrainEpoch',
  'beforeTrainIter',
  'afterTrainIter',
  'afterTrainEpoch',
  'beforeValEpoch',
  'beforeValIter',
  'afterValIter',
  'afterValEpoch',
  'afterRun',
] as const;
export type HookStage = (typeof HOOK_STAGES)[number];
/** Every method `callHook` accepts (the generic epoch/iter ones included, as IterBasedRunner calls them). */
export type HookMethod = HookStage | 'beforeEpoch' | 'afterEpoch' | 'beforeIter' | 'afterIter';

// A generic method stands for both its train and val stages (MMCV's rule for getHookInfo).
const GENERIC_STAGES: Record<string, HookStage[]> = {
  beforeEpoch: ['beforeTrainEpoch', 'beforeValEpoch'],
  afterEpoch: ['afterTrainEpoch', 'afterValEpoch'],
  beforeIter: ['beforeTrainIter', 'beforeValIter'],
  afterIter: ['afterTrainIter', 'afterValIter'],
};

type Awaitable = void | Promise<void>;

/**
 * Base of every hook. Each stage is a no-op; the train/val stages forward to the generic
 * `beforeEpoch`/`afterIter`/… methods as in MMCV, so a hook overriding `afterIter` runs after
 * both train and val iterations. `priority` is set by `runner.registerHook`.
 */
export class Hook {
  priority = 50;

  /** Optional state saved in checkpoints (JSON plus NamedArray leaves) and restored on resume. */
  stateDict?(): Record<string, unknown>;
  /** Tensors `stateDict()` reads; the runner reads them to the host first (webgpu: no sync reads). */
  stateTensors?(): tf.Tensor[];
  loadStateDict?(state: Record<string, unknown>): void;

  beforeRun(_runner: BaseRunner): Awaitable {}
  afterRun(_runner: BaseRunner): Awaitable {}
  beforeEpoch(_runner: BaseRunner): Awaitable {}
  afterEpoch(_runner: BaseRunner): Awaitable {}
  beforeIter(_runner: BaseRunner): Awaitable {}
  afterIter(_runner: BaseRunner): Awaitable {}

  beforeTrainEpoch(runner: BaseRunner): Awaitable { return this.beforeEpoch(runner); }
  beforeValEpoch(runner: BaseRunner): Awaitable { return this.beforeEpoch(runner); }
  afterTrainEpoch(runner: BaseRunner): Awaitable { return this.afterEpoch(runner); }
  afterValEpoch(runner: BaseRunner): Awaitable { return this.afterEpoch(runner); }
  beforeTrainIter(runner: BaseRunner): Awaitable { return this.beforeIter(runner); }
  beforeValIter(runner: BaseRunner): Awaitable { return this.beforeIter(runner); }
  afterTrainIter(runner: BaseRunner): Awaitable { return this.afterIter(runner); }
  afterValIter(runner: BaseRunner): Awaitable { return this.afterIter(runner); }

  // Helpers with MMCV's meaning (the runner's counters are 0-based and not yet incremented).
  everyNEpochs(runner: BaseRunner, n: number): boolean { return n > 0 ? (runner.epoch + 1) % n === 0 : false; }
  everyNInnerIters(runner: BaseRunner, n: number): boolean { return n > 0 ? (runner.innerIter + 1) % n === 0 : false; }
  everyNIters(runner: BaseRunner, n: number): boolean { return n > 0 ? (runner.iter + 1) % n === 0 : false; }
  endOfEpoch(runner: BaseRunner): boolean { return runner.innerIter + 1 === (runner.dataLoader?.length ?? NaN); }
  isLastEpoch(runner: BaseRunner): boolean { return runner.epoch + 1 === runner.maxEpochs; }
  isLastIter(runner: BaseRunner): boolean { return runner.iter + 1 === runner.maxIters; }

  /** Stages at which this hook does something (it overrides the stage or its generic method). */
  getTriggeredStages(): HookStage[] {
    const overridden = (name: string) =>
      (this as unknown as Record<string, unknown>)[name] !== (Hook.prototype as unknown as Record<string, unknown>)[name];
    const stages = new Set<HookStage>(HOOK_STAGES.filter(overridden));
    for (const [generic, mapped] of Object.entries(GENERIC_STAGES)) {
      if (overridden(generic)) mapped.forEach((s) => stages.add(s));
    }
    return HOOK_STAGES.filter((s) => stages.has(s));
  }
}

/**
 * Whether `value` is a hook: an instance of this Hook, or of another copy of @det/runner's Hook
 * (a plugin that bundled its own), recognised by the methods the runner calls.
 */
export function isHook(value: unknown): value is Hook {
  if (value instanceof Hook) return true;
  const v = value as Record<string, unknown> | null;
  return !!v && typeof v === 'object' && typeof v.getTriggeredStages === 'function' && HOOK_STAGES.every((s) => typeof v[s] === 'function');
}
