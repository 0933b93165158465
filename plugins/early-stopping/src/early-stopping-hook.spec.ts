import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Hook, IterBasedRunner, type BaseRunner, type RunnerModel } from '@det/runner';
import plugin, { EarlyStoppingHook } from './index';
import { HOOKS, loadPlugins } from '@det/registry';

/** A model whose steps cost nothing: the runner only needs the RunnerModel shape. */
const idleModel = {
  trainStep: async () => ({ loss: 1, logVars: { loss: 1 }, numSamples: 1 }),
  valStep: async () => ({ loss: 1, logVars: { loss: 1 }, numSamples: 1 }),
  forwardTest: async () => [],
  parameters: () => ({}),
  stateDict: () => ({}),
  loadStateDict: () => ({ missing: [], unexpected: [], mismatched: [] }),
  train: () => undefined,
  dispose: () => undefined,
} as unknown as RunnerModel;

const loader = { length: 4, async *[Symbol.asyncIterator]() { for (let i = 0; i < 4; i++) yield { i }; } };

/** Stands in for EvalHook: a new `lastResults` object every `every` iterations, from `scores`. */
class ScriptedEvalHook extends Hook {
  lastResults: Record<string, number> | undefined;
  private k = 0;
  constructor(private readonly scores: number[], private readonly every: number) { super(); }
  override afterTrainIter(runner: BaseRunner): void {
    if ((runner.iter + 1) % this.every === 0) this.lastResults = { bbox_mAP: this.scores[this.k++] ?? 0, bbox_mAP_50: 0 };
  }
}

async function runWith(scores: number[], hook: EarlyStoppingHook, maxIters = 20) {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-es-'));
  const quiet = { debug() {}, info() {}, warn() {}, error() {}, level: 'error' as const };
  const runner = new IterBasedRunner({ model: idleModel, workDir, maxIters, logger: quiet });
  runner.registerHook(new ScriptedEvalHook(scores, 2), 'LOW');
  runner.registerHook(hook, 'VERY_LOW');
  await runner.run([loader], [['train', 1]]);
  return { runner, workDir };
}

describe('EarlyStoppingHook', () => {
  it('stops after `patience` evaluations without improvement and records why', async () => {
    // Evaluations at iterations 2, 4, 6, 8, …: best 0.5 at iteration 4, then two non-improvements.
    const { runner, workDir } = await runWith([0.3, 0.5, 0.5, 0.45, 0.9], new EarlyStoppingHook({ patience: 2 }));
    expect(runner.iter).toBe(8);
    const report = JSON.parse(fs.readFileSync(path.join(workDir, 'early_stopping.json'), 'utf8'));
    expect(report).toMatchObject({ metric: 'bbox_mAP', rule: 'greater', best: 0.5, bestAt: 4, badEvaluations: 2, stoppedAt: 8 });
    expect(report.history.map((h: { value: number }) => h.value)).toEqual([0.3, 0.5, 0.5, 0.45]);
  });

  it('minDelta: gains smaller than it do not count', async () => {
    const { runner } = await runWith([0.3, 0.31, 0.32, 0.33], new EarlyStoppingHook({ patience: 2, minDelta: 0.05 }));
    expect(runner.iter).toBe(6);
  });

  it('runs to the end while the metric keeps improving; rule "less" for losses', async () => {
    expect((await runWith([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], new EarlyStoppingHook({ patience: 1 }))).runner.iter).toBe(20);
    const less = new EarlyStoppingHook({ metric: 'bbox_mAP', rule: 'less', patience: 1 });
    expect((await runWith([0.5, 0.4, 0.45], less)).runner.iter).toBe(6);
  });

  it('names the metric it cannot find and checks its options', async () => {
    await expect(runWith([0.1], new EarlyStoppingHook({ metric: 'mAP' }))).rejects.toThrow(/the evaluation has no 'mAP'; it has bbox_mAP, bbox_mAP_50/);
    expect(() => new EarlyStoppingHook({ patience: 0 })).toThrow(/patience must be a positive integer/);
    expect(() => new EarlyStoppingHook({ rule: 'up' as never })).toThrow(/rule must be 'greater' or 'less'/);
  });

  it('keeps its counters through a checkpoint (stateDict / loadStateDict)', () => {
    const a = new EarlyStoppingHook({ patience: 3 });
    a.loadStateDict({ best: 0.7, bestAt: 10, badEvaluations: 2, history: [{ iter: 10, epoch: 0, value: 0.7 }], stoppedAt: null });
    const b = new EarlyStoppingHook({ patience: 3 });
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    expect(b.best).toBe(0.7);
    expect(b.stateDict()).toEqual(a.stateDict());
  });

  it('is a det plugin that registers the hook under its own name', async () => {
    expect(plugin).toMatchObject({ name: '@det-contrib/early-stopping', apiVersion: 1 });
    await loadPlugins([path.join(__dirname, 'index.ts')], { cwd: __dirname });
    // The loader ran its own copy of index.ts, so compare by name and owner, not class identity.
    const entry = HOOKS.entries().find((e) => e.name === 'EarlyStoppingHook');
    expect(entry?.owner).toBe('@det-contrib/early-stopping');
    const built = HOOKS.build<EarlyStoppingHook>({ type: 'EarlyStoppingHook', patience: 4 });
    expect(built.constructor.name).toBe('EarlyStoppingHook');
    expect(built.patience).toBe(4);
  });
});
