import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { HOOKS, withOwner, type Logger } from '@det/registry';
import { Hook, HOOK_STAGES } from '../hooks/hook';
import { EpochBasedRunner } from './epoch-based-runner';
import { IterBasedRunner } from './iter-based-runner';
import type { BaseRunner } from './base-runner';
import { SGD } from '../optim/sgd';
import { LinearModel, ShuffledLoader } from '../__fixtures__/linear-model';
import { ApplyGradsHook, RecordingHook } from '../__fixtures__/recording-hooks';

export const silentLogger = (): Logger & { lines: string[] } => {
  const lines: string[] = [];
  const log = (m: string) => void lines.push(m);
  return { level: 'info', lines, debug: log, info: log, warn: log, error: log };
};

let workDir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-runner-'));
});
afterEach(() => fs.rmSync(workDir, { recursive: true, force: true }));

function makeRunner(kind: 'epoch' | 'iter', max: number) {
  const model = new LinearModel();
  const optimizer = new SGD({ lr: 0.1 }, model.parameters());
  const common = { model, optimizer, workDir, logger: silentLogger() };
  const runner = kind === 'epoch' ? new EpochBasedRunner({ ...common, maxEpochs: max }) : new IterBasedRunner({ ...common, maxIters: max });
  return { runner, model, optimizer };
}

class Named extends Hook {
  constructor(readonly tag: string, readonly log: string[]) {
    super();
  }
  override beforeRun(): void { this.log.push(this.tag); }
}

describe('hook priorities', () => {
  it('orders by priority, keeps registration order for ties, includes plugin hooks from HOOKS', () => {
    const log: string[] = [];
    class PluginHook extends Hook {
      constructor(readonly opts: { tag: string }) { super(); }
      override beforeRun(): void { log.push(this.opts.tag); }
    }
    const entry = withOwner('@test/plugin', () => HOOKS.add(PluginHook, { name: 'TestPluginOrderHook' }));
    expect(entry.owner).toBe('@test/plugin');
    const { runner } = makeRunner('epoch', 1);
    runner.registerHook(new Named('normal-1', log));
    runner.registerHook(new Named('low', log), 'LOW');
    runner.registerHook(new Named('very-high', log), 'VERY_HIGH');
    runner.registerHook(new Named('normal-2', log), 'NORMAL');
    runner.registerHook(new Named('num-45', log), 45);
    runner.registerHookFromCfg({ type: 'TestPluginOrderHook', tag: 'plugin-high', priority: 'HIGH' });
    runner.registerHook(new Named('lowest', log), 'LOWEST');
    runner.registerHook(new Named('highest', log), 'highest');
    return runner.callHook('beforeRun').then(() => {
      expect(log).toEqual(['highest', 'very-high', 'plugin-high', 'num-45', 'normal-1', 'normal-2', 'low', 'lowest']);
      HOOKS.remove('TestPluginOrderHook', '@test/plugin');
    });
  });

  it('rejects bad priorities by name', () => {
    const { runner } = makeRunner('epoch', 1);
    expect(() => runner.registerHook(new Hook(), 'SUPER')).toThrow(/unknown hook priority 'SUPER'/);
    expect(() => runner.registerHook(new Hook(), 101)).toThrow(/\[0, 100\]/);
    expect(() => runner.registerHook({ beforeRun() {} } as never)).toThrow(/registerHook: expected a Hook, got Object/);
    // A hook from another copy of @det/runner (a plugin that bundled its own) is accepted by shape.
    const foreign = Object.assign(Object.create(null), Object.fromEntries([...HOOK_STAGES, 'getTriggeredStages'].map((m) => [m, () => (m === 'getTriggeredStages' ? [] : undefined)])));
    expect(() => runner.registerHook(foreign, 'LOW')).not.toThrow();
    expect(runner.hooks.at(-1)).toBe(foreign);
  });

  it('prints hook info per stage like MMCV', () => {
    const { runner } = makeRunner('epoch', 1);
    class OnlyAfterTrainIter extends Hook { override afterTrainIter(): void {} }
    class Generic extends Hook { override beforeEpoch(): void {} }
    runner.registerHook(new OnlyAfterTrainIter(), 'ABOVE_NORMAL');
    runner.registerHook(new Generic(), 42);
    const pad = (p: string, n: string) => `(${p.padEnd(12)}) ${n.padEnd(35)}`;
    expect(runner.getHookInfo()).toBe(
      [
        `beforeTrainEpoch:\n${pad('42', 'Generic')}\n -------------------- `,
        `afterTrainIter:\n${pad('ABOVE_NORMAL', 'OnlyAfterTrainIter')}\n -------------------- `,
        `beforeValEpoch:\n${pad('42', 'Generic')}\n -------------------- `,
      ].join('\n'),
    );
  });
});

describe('EpochBasedRunner workflows', () => {
  const trace = (log: string[]) => log.filter((l) => !l.includes('Iter:')).join(' ');

  it('train only: stages in order, counters, hooks see outputs', async () => {
    const { runner, model } = makeRunner('epoch', 2);
    const log: string[] = [];
    runner.registerHook(new RecordingHook('h', log));
    const seen: [number, number, number][] = [];
    class Counter extends Hook {
      override afterTrainIter(r: BaseRunner): void { seen.push([r.epoch, r.iter, r.innerIter]); expect(r.outputs!.numSamples).toBe(2); }
    }
    runner.registerHook(new Counter());
    await runner.run([new ShuffledLoader(6, 2)], [['train', 1]]);
    expect(trace(log)).toBe('h:beforeRun h:beforeEpoch h:afterEpoch h:beforeEpoch h:afterEpoch h:afterRun');
    expect(log.filter((l) => l === 'h:beforeIter:train')).toHaveLength(6);
    expect(seen).toEqual([[0, 0, 0], [0, 1, 1], [0, 2, 2], [1, 3, 0], [1, 4, 1], [1, 5, 2]]);
    expect(runner.epoch).toBe(2);
    expect(runner.iter).toBe(6);
    expect(runner.maxIters).toBe(6);
    expect(model.steps).toBe(6);
  });

  it('train + val and val first', async () => {
    for (const [workflow, expected] of [
      [[['train', 2], ['val', 1]], 'train train val train val'],
      [[['val', 1], ['train', 1]], 'val train val train val train'],
    ] as const) {
      const { runner } = makeRunner('epoch', 3);
      const modes: string[] = [];
      class Mode extends Hook {
        override beforeTrainEpoch(): void { modes.push('train'); }
        override beforeValEpoch(r: BaseRunner): void { modes.push('val'); expect(r.mode).toBe('val'); }
      }
      runner.registerHook(new Mode());
      await runner.run([new ShuffledLoader(4, 2), new ShuffledLoader(4, 2)].slice(0, workflow.length), workflow as never);
      // MMCV: the run loop goes on while epoch < maxEpochs; a val phase after the last train still runs.
      expect(modes.join(' ')).toBe(expected);
    }
  });

  it('names the hook and stage of an unexpected hook error', async () => {
    const { runner } = makeRunner('epoch', 1);
    class Broken extends Hook { override afterTrainIter(): void { throw new TypeError('x is undefined'); } }
    runner.registerHook(new Broken());
    await expect(runner.run([new ShuffledLoader(4, 2)], [['train', 1]])).rejects.toThrow('Broken.afterTrainIter failed at epoch 1, iteration 1: x is undefined');
  });

  it('rejects a workflow without train and mismatched loaders', async () => {
    const { runner } = makeRunner('epoch', 1);
    await expect(runner.run([new ShuffledLoader()], [['val', 1]])).rejects.toThrow(/no 'train' phase/);
    await expect(runner.run([new ShuffledLoader()], [['train', 1], ['val', 1]])).rejects.toThrow(/2 phases but 1 data loaders/);
  });

  it('stops when a hook sets runner.stop, and frees gradients nobody took', async () => {
    const { runner } = makeRunner('epoch', 5);
    class StopAt3 extends Hook {
      override afterTrainIter(r: BaseRunner): void { if (r.iter === 2) r.stop = true; }
    }
    runner.registerHook(new StopAt3());
    const before = tf.memory().numTensors;
    await runner.run([new ShuffledLoader(8, 2)], [['train', 1]]);
    expect(runner.iter).toBe(3);
    expect(runner.epoch).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    expect((runner.logger as ReturnType<typeof silentLogger>).lines.filter((l) => l.startsWith('no hook applied the gradients'))).toHaveLength(1);
  });
});

describe('IterBasedRunner', () => {
  it('cycles loaders, bumps their epoch, counts iterations per phase', async () => {
    const { runner } = makeRunner('iter', 7);
    const trainLoader = new ShuffledLoader(6, 2); // 3 batches
    const valLoader = new ShuffledLoader(4, 2);
    const modes: string[] = [];
    class Mode extends Hook {
      override beforeTrainIter(r: BaseRunner): void { modes.push(`t${r.iter}/${r.innerIter}/e${r.epoch}`); }
      override beforeValIter(r: BaseRunner): void { modes.push(`v${r.innerIter}`); }
    }
    runner.registerHook(new Mode());
    runner.registerHook(new ApplyGradsHook());
    await runner.run([trainLoader, valLoader], [['train', 3], ['val', 1]]);
    // As MMCV, runner.epoch is read from the loader before fetching, so it lags by one at a restart.
    expect(modes).toEqual(['t0/0/e0', 't1/1/e0', 't2/2/e0', 'v0', 't3/0/e0', 't4/1/e1', 't5/2/e1', 'v0', 't6/0/e1', 'v0']);
    expect(trainLoader.setEpochCalls).toEqual([1, 2]);
    expect(runner.iter).toBe(7);
  });
});

describe('LogBuffer through the runner', () => {
  it('holds logVars weighted by numSamples', async () => {
    const { runner } = makeRunner('epoch', 1);
    await runner.run([new ShuffledLoader(5, 2)], [['train', 1]]); // batches of 2, 2, 1
    const losses = runner.logBuffer.valHistory.get('loss')!;
    const counts = runner.logBuffer.nHistory.get('loss')!;
    expect(counts).toEqual([2, 2, 1]);
    runner.logBuffer.average(2);
    expect(runner.logBuffer.output.loss).toBeCloseTo((losses[1] * 2 + losses[2]) / 3, 12);
    expect(runner.logBuffer.ready).toBe(true);
    runner.logBuffer.clearOutput();
    expect(runner.logBuffer.ready).toBe(false);
  });
});
