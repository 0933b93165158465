import type { BaseRunner } from '@det/runner';
import { CosineAnnealingLrUpdaterHook, FixedLrUpdaterHook, PolyLrUpdaterHook, StepLrUpdaterHook } from './policies';
import type { LrUpdaterHook } from './lr-updater-hook';
import { CosineAnnealingMomentumUpdaterHook, StepMomentumUpdaterHook } from '../momentum/momentum-updater-hook';
import type { MomentumUpdaterHook } from '../momentum/momentum-updater-hook';

/** Drives a schedule hook through `epochs` × `epochLen` iterations and records lr (or momentum) per iteration. */
function table(hook: LrUpdaterHook | MomentumUpdaterHook, epochs: number, epochLen: number, read: 'lr' | 'momentum' = 'lr'): number[] {
  const groups = [{ lr: 0.1, momentum: 0.9, weightDecay: 0, params: [] as string[] }];
  const runner = { epoch: 0, iter: 0, maxEpochs: epochs, maxIters: epochs * epochLen, optimizer: { paramGroups: groups }, dataLoader: { length: epochLen } } as unknown as BaseRunner;
  const out: number[] = [];
  hook.beforeRun(runner);
  for (let e = 0; e < epochs; e++) {
    runner.epoch = e;
    hook.beforeTrainEpoch(runner);
    for (let i = 0; i < epochLen; i++) {
      hook.beforeTrainIter(runner);
      out.push(groups[0][read]);
      runner.iter++;
    }
  }
  return out;
}

const close = (actual: number[], expected: number[]) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i], 12));
};

describe('LR schedules (hand-computed tables, base lr 0.1, 4 epochs × 3 iterations)', () => {
  it('step [2, 3] by epoch with linear warm-up over 4 iterations, ratio 0.1', () => {
    // warm-up: lr·(1 − (1 − i/4)·0.9) for i < 4, the regular lr from iteration 4 on
    close(table(new StepLrUpdaterHook({ step: [2, 3], warmup: 'linear', warmupIters: 4, warmupRatio: 0.1 }), 4, 3), [
      0.01, 0.0325, 0.055, // epoch 1
      0.0775, 0.1, 0.1, // epoch 2: warm-up ends at iteration 4
      0.01, 0.01, 0.01, // epoch 3: one step passed
      0.001, 0.001, 0.001, // epoch 4: two steps passed
    ]);
  });

  it('step as an int by iteration with gamma 0.5 and minLr', () => {
    close(table(new StepLrUpdaterHook({ step: 2, gamma: 0.5, minLr: 0.03, byEpoch: false }), 2, 3), [0.1, 0.1, 0.05, 0.05, 0.03, 0.03]);
  });

  it('constant warm-up on a fixed schedule', () => {
    close(table(new FixedLrUpdaterHook({ warmup: 'constant', warmupIters: 2, warmupRatio: 0.5, byEpoch: false }), 2, 2), [0.05, 0.05, 0.1, 0.1]);
  });

  it('cosine annealing by epoch to minLrRatio 0.1', () => {
    // 0.01 + 0.045·(cos(π e/4) + 1)
    close(table(new CosineAnnealingLrUpdaterHook({ minLrRatio: 0.1 }), 4, 1), [0.1, 0.08681980515339464, 0.055, 0.023180194846605363]);
  });

  it('cosine annealing by iteration to 0 with exp warm-up over 3 iterations, ratio 0.1', () => {
    // regular 0.05·(cos(π i/12) + 1); warm-up multiplies by 0.1^(1 − i/3)
    close(table(new CosineAnnealingLrUpdaterHook({ minLr: 0, byEpoch: false, warmup: 'exp', warmupIters: 3, warmupRatio: 0.1 }), 4, 3).slice(0, 6), [
      0.01, 0.021177293990933814, 0.04330661338721814, 0.08535533905932738, 0.075, 0.06294095225512604,
    ]);
  });

  it('poly power 2 to minLr 0.01 by epoch', () => {
    close(table(new PolyLrUpdaterHook({ power: 2, minLr: 0.01 }), 4, 1), [0.1, 0.060625, 0.0325, 0.015625]);
  });

  it('warm-up by epoch counts whole epochs of iterations', () => {
    // 1 epoch of 3 iterations, linear from ratio 0.5
    close(table(new FixedLrUpdaterHook({ warmup: 'linear', warmupIters: 1, warmupByEpoch: true, warmupRatio: 0.5 }), 2, 3), [
      0.05, 0.1 * (1 - (2 / 3) * 0.5), 0.1 * (1 - (1 / 3) * 0.5), 0.1, 0.1, 0.1,
    ]);
  });

  it('keeps the base lr from initialLr (what a resumed optimizer carries)', () => {
    const hook = new StepLrUpdaterHook({ step: [1] });
    const groups = [{ lr: 0.001, initialLr: 0.1, weightDecay: 0, params: [] }];
    const runner = { epoch: 1, iter: 3, maxEpochs: 2, optimizer: { paramGroups: groups }, dataLoader: { length: 3 } } as unknown as BaseRunner;
    hook.beforeRun(runner);
    hook.beforeTrainEpoch(runner);
    expect(groups[0].lr).toBeCloseTo(0.01, 12);
  });

  it('rejects bad options with the config key', () => {
    expect(() => new StepLrUpdaterHook({ step: [0] })).toThrow(/lrConfig.step/);
    expect(() => new StepLrUpdaterHook({ step: 1, warmup: 'cubic' as never, warmupIters: 1 })).toThrow(/lrConfig.warmup: 'cubic'/);
    expect(() => new FixedLrUpdaterHook({ warmup: 'linear', warmupIters: 0 })).toThrow(/warmupIters must be > 0/);
    expect(() => new CosineAnnealingLrUpdaterHook({ minLr: 0, minLrRatio: 0.1 })).toThrow(/exactly one of minLr and minLrRatio/);
    expect(() => new StepLrUpdaterHook({ step: [8, 11], warmup: 'linear', warmup_iters: 500 } as never)).toThrow(
      "lrConfig (StepLrUpdaterHook): unknown option 'warmup_iters' (did you mean 'warmupIters'?); options: byEpoch, warmup, warmupIters, warmupRatio, warmupByEpoch, step, gamma, minLr",
    );
  });
});

describe('momentum schedule', () => {
  it('cosine annealing momentum by epoch from 0.9 to 0.85', () => {
    // 0.85 + 0.025·(cos(π e/4) + 1)
    close(table(new CosineAnnealingMomentumUpdaterHook({ minMomentum: 0.85 }), 4, 1, 'momentum'), [0.9, 0.8926776695296637, 0.875, 0.8573223304703363]);
  });

  it('step momentum [1, 3] by epoch with gamma 0.5 and a floor', () => {
    close(table(new StepMomentumUpdaterHook({ step: [1, 3], minMomentum: 0.3 }), 4, 1, 'momentum'), [0.9, 0.45, 0.45, 0.3]);
  });

  it('linear momentum warm-up divides by the lr factor', () => {
    // by iteration, 8 iterations → regular ≈ cosine value; warm-up factor 1 − (1 − i/2)(1 − 0.9)
    const got = table(new CosineAnnealingMomentumUpdaterHook({ minMomentumRatio: 1, byEpoch: false, warmup: 'linear', warmupIters: 2, warmupRatio: 0.9 }), 2, 2, 'momentum');
    close(got, [0.9 / 0.9, 0.9 / 0.95, 0.9, 0.9]);
  });
});
