import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { HOOKS, globalRng, setGlobalSeed, withOwner } from '@det/registry';
import { EpochBasedRunner, Hook, IterBasedRunner, SGD, decodeCheckpoint, findLatestCheckpoint, type TrainingHooksConfig } from '@det/runner';
import { EvalHook } from './eval-hook';
import { LinearModel, ShuffledLoader, memoryLogger, scoredDataset } from './__fixtures__/linear-model';
import './index';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-run-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const trainingHooks = (): TrainingHooksConfig => ({
  lrConfig: { policy: 'step', warmup: 'linear', warmupIters: 3, warmupRatio: 0.1, step: [2] },
  momentumConfig: { policy: 'CosineAnnealing', minMomentumRatio: 0.5 },
  optimizerConfig: { gradClip: { maxNorm: 5 } },
  checkpointConfig: { interval: 1, maxKeepCkpts: 2 },
  logConfig: { interval: 2, hooks: [{ type: 'TextLoggerHook' }] },
  customHooks: [{ type: 'NumClassCheckHook' }, { type: 'DistSamplerSeedHook' }, { type: 'CheckInvalidLossHook', interval: 1, priority: 'HIGH' }],
});

describe('a training run with the built-in hooks', () => {
  it('registers MMCV default priorities and plugin hooks', () => {
    class AuditHook extends Hook {}
    withOwner('@test/plugin', () => HOOKS.add(AuditHook, { name: 'TrainingRunAuditHook' }));
    const model = new LinearModel();
    const runner = new EpochBasedRunner({ model, optimizer: new SGD({ lr: 0.1, momentum: 0.9 }, model.parameters()), workDir: dir, maxEpochs: 1, logger: memoryLogger() });
    runner.registerTrainingHooks({ ...trainingHooks(), customHooks: [...trainingHooks().customHooks!, { type: 'TrainingRunAuditHook', priority: 75 }] });
    expect(runner.hooks.map((h) => `${h.constructor.name}:${h.priority}`)).toEqual([
      'StepLrUpdaterHook:10',
      'CosineAnnealingMomentumUpdaterHook:30',
      'CheckInvalidLossHook:30',
      'OptimizerHook:40',
      'CheckpointHook:50',
      'NumClassCheckHook:50',
      'DistSamplerSeedHook:50',
      'IterTimerHook:70',
      'AuditHook:75',
      'TextLoggerHook:90',
    ]);
    expect(runner.getHookInfo()).toContain('beforeRun:\n(VERY_HIGH   ) StepLrUpdaterHook');
    HOOKS.remove('TrainingRunAuditHook', '@test/plugin');
    model.dispose();
  });

  it('writes the JSON log, checkpoints, latest and the best checkpoint by metric', async () => {
    setGlobalSeed(3);
    const model = new LinearModel();
    model.numClasses = 2;
    const logger = memoryLogger();
    const runner = new EpochBasedRunner({
      model, optimizer: new SGD({ lr: 0.1, momentum: 0.9 }, model.parameters()), workDir: dir, maxEpochs: 3, logger, meta: { seed: 3, config: { model: 'linear' } },
    });
    runner.registerTrainingHooks(trainingHooks());
    const train = new ShuffledLoader(8, 2);
    train.dataset = { classes: ['a', 'b'] };
    const val = new ShuffledLoader(4, 2);
    const dataset = scoredDataset([0.3, 0.5, 0.4]);
    val.dataset = dataset;
    const evalHook = new EvalHook({ dataloader: val, metric: 'bbox', saveBest: 'auto' });
    runner.registerHook(evalHook, 'LOW');
    const before = tf.memory().numTensors;
    await runner.run([train], [['train', 1]]);
    runner.optimizer!.dispose(); // its momentum buffers are the only tensors a run may leave
    expect(tf.memory().numTensors).toBe(before);

    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual([`${runner.timestamp}.log.json`, 'best_bbox_mAP_epoch_2.safetensors', 'epoch_2.safetensors', 'epoch_3.safetensors', 'latest.safetensors']);
    expect(fs.readFileSync(path.join(dir, 'latest.safetensors')).equals(fs.readFileSync(path.join(dir, 'epoch_3.safetensors')))).toBe(true);
    expect(findLatestCheckpoint(dir)).toBe(path.join(dir, 'latest.safetensors'));
    const best = decodeCheckpoint(new Uint8Array(fs.readFileSync(path.join(dir, 'best_bbox_mAP_epoch_2.safetensors'))));
    expect(best.meta).toMatchObject({ epoch: 2, iter: 8, hookMsgs: { bestScore: 0.5 } });
    expect(dataset.seen).toEqual([{ n: 4, options: { metric: 'bbox' } }, { n: 4, options: { metric: 'bbox' } }, { n: 4, options: { metric: 'bbox' } }]);

    const json = fs.readFileSync(path.join(dir, `${runner.timestamp}.log.json`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(json[0]).toMatchObject({ seed: 3, config: { model: 'linear' } });
    const trainLines = json.filter((j) => j.mode === 'train');
    const valLines = json.filter((j) => j.mode === 'val');
    expect(trainLines.map((j) => [j.epoch, j.iter])).toEqual([[1, 2], [1, 4], [2, 2], [2, 4], [3, 2], [3, 4]]);
    for (const j of trainLines) expect(Object.keys(j)).toEqual(expect.arrayContaining(['lr', 'memory', 'data_time', 'time', 'loss_mse', 'loss', 'grad_norm']));
    // warm-up over 3 iterations then step at epoch 2: lr at iters 2, 4 (epoch 1) and epoch 3
    expect(trainLines[0].lr).toBeCloseTo(0.1 * (1 - (1 - 1 / 3) * 0.9), 5);
    expect(trainLines[1].lr).toBeCloseTo(0.1, 5);
    expect(trainLines[4].lr).toBeCloseTo(0.01, 5);
    expect(valLines.map((j) => [j.epoch, j.iter, j.bbox_mAP])).toEqual([[1, 2, 0.3], [2, 2, 0.5], [3, 2, 0.4]]);
    const text = logger.lines.join('\n');
    expect(text).toMatch(/Epoch \[1\]\[2\/4\]\tlr: 4\.000e-02, eta: \d+:\d\d:\d\d, time: \d\.\d{3}, data_time: \d\.\d{3}, memory: \d+, loss_mse: \d\.\d{4}, loss: \d\.\d{4}, grad_norm: \d\.\d{4}/);
    expect(text).toContain('Epoch(val) [2][2]\tbbox_mAP: 0.5000, bbox_mAP_50: 0.9000');
    expect(text).toContain('The previous best checkpoint');
    expect(train.setEpochCalls).toEqual([0, 1, 2]);
    model.dispose();
  });

  it('IterBasedRunner defaults LR, checkpoint and logger hooks to byEpoch: false (MMCV)', async () => {
    const model = new LinearModel();
    const logger = memoryLogger();
    const runner = new IterBasedRunner({ model, optimizer: new SGD({ lr: 0.1, momentum: 0.9 }, model.parameters()), workDir: dir, maxIters: 6, logger });
    // configs/synthetic/schedule_synthetic.ts's shape: no byEpoch anywhere
    runner.registerTrainingHooks({
      lrConfig: { policy: 'step', warmup: 'linear', warmupIters: 2, warmupRatio: 0.5, step: [4] },
      optimizerConfig: { gradClip: { maxNorm: 35, normType: 2 } },
      checkpointConfig: { interval: 3, maxKeepCkpts: 2 },
      logConfig: { interval: 2, hooks: [{ type: 'TextLoggerHook' }] },
    });
    const lrs: number[] = [];
    class LrSpy extends Hook { override beforeTrainIter(r: IterBasedRunner): void { lrs.push(r.currentLr()[0]); } }
    runner.registerHook(new LrSpy(), 'HIGH');
    await runner.run([new ShuffledLoader(4, 2)], [['train', 1]]);
    // linear warm-up over 2 iterations from 0.5, then 0.1 until the step at iteration 4
    lrs.forEach((v, i) => expect(v).toBeCloseTo([0.05, 0.075, 0.1, 0.1, 0.01, 0.01][i], 10));
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort()).toEqual(['iter_3.safetensors', 'iter_6.safetensors', 'latest.safetensors']);
    expect(logger.lines.filter((l) => l.startsWith('Iter [')).map((l) => l.split('\t')[0])).toEqual(['Iter [2/6]', 'Iter [4/6]', 'Iter [6/6]']);
    model.dispose();
  });

  it('by iteration, evaluation lines stay apart from training lines (MMCV flushes the loggers first)', async () => {
    const model = new LinearModel();
    const logger = memoryLogger();
    const runner = new IterBasedRunner({ model, optimizer: new SGD({ lr: 0.1 }, model.parameters()), workDir: dir, maxIters: 4, logger });
    runner.registerTrainingHooks({ optimizerConfig: {}, logConfig: { interval: 2, hooks: [{ type: 'TextLoggerHook' }] } });
    const val = new ShuffledLoader(6, 2);
    val.dataset = scoredDataset([0.25, 0.5]);
    runner.registerHook(new EvalHook({ dataloader: val, byEpoch: false, interval: 2 }), 'LOW');
    await runner.run([new ShuffledLoader(4, 2)], [['train', 1]]);
    const lines = logger.lines.filter((l) => l.startsWith('Iter')).map((l) => l.replace(/, eta.*?, loss_mse/, ', …, loss_mse').replace(/\d\.\d{4}(?=,|$)/g, 'N'));
    expect(lines).toEqual([
      'Iter [2/4]\tlr: 1.000e-01, …, loss_mse: N, loss: N',
      'Iter(val) [3]\tbbox_mAP: N, bbox_mAP_50: N',
      'Iter [4/4]\tlr: 1.000e-01, …, loss_mse: N, loss: N',
      'Iter(val) [3]\tbbox_mAP: N, bbox_mAP_50: N',
    ]);
    model.dispose();
  });

  it('stops on a NaN loss with an error naming epoch and iteration', async () => {
    const model = new LinearModel();
    const runner = new EpochBasedRunner({ model, optimizer: new SGD({ lr: 0.1 }, model.parameters()), workDir: dir, maxEpochs: 2, logger: memoryLogger() });
    runner.registerTrainingHooks({ optimizerConfig: {}, customHooks: [{ type: 'CheckInvalidLossHook', interval: 1 }] });
    class NanAt extends Hook {
      override beforeTrainIter(r: EpochBasedRunner): void { model.forcedLoss = r.iter === 5 ? NaN : undefined; }
    }
    runner.registerHook(new NanAt());
    const before = tf.memory().numTensors;
    await expect(runner.run([new ShuffledLoader(8, 2)], [['train', 1]])).rejects.toThrow('loss became NaN at epoch 2, iteration 2 (global iteration 6)');
    expect(runner.stop).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('NumClassCheckHook names both counts', async () => {
    const model = new LinearModel();
    model.numClasses = 80;
    const runner = new EpochBasedRunner({ model, workDir: dir, maxEpochs: 1, logger: memoryLogger() });
    runner.registerHookFromCfg({ type: 'NumClassCheckHook' });
    const loader = new ShuffledLoader(4, 2);
    loader.dataset = { classes: ['cat', 'dog', 'bird'] };
    await expect(runner.run([loader], [['train', 1]])).rejects.toThrow(/model.head.numClasses is 80 but the dataset has 3 classes \(cat, dog, bird\)/);
    model.dispose();
  });
});

/** Ends the run after `epochs` finished epochs, as an interrupted job would (the schedule still says 2). */
class StopAfter extends Hook {
  constructor(readonly epochs: number) { super(); }
  override afterTrainEpoch(r: EpochBasedRunner): void { if (r.epoch + 1 >= this.epochs) r.stop = true; }
}

/** Trains a 2-epoch schedule with the full hook set; stops early or resumes when asked. */
async function trainRun(workDir: string, opts: { stopAfter?: number; resumeFrom?: string } = {}) {
  const maxEpochs = 2;
  const model = new LinearModel();
  const optimizer = new SGD({ lr: 0.1, momentum: 0.9, weightDecay: 1e-3, nesterov: true }, model.parameters());
  const runner = new EpochBasedRunner({ model, optimizer, workDir, maxEpochs, logger: memoryLogger() });
  runner.registerTrainingHooks({
    lrConfig: { policy: 'CosineAnnealing', minLrRatio: 0.01, byEpoch: false, warmup: 'linear', warmupIters: 5, warmupRatio: 0.1 },
    momentumConfig: { policy: 'CosineAnnealing', minMomentumRatio: 0.9 },
    optimizerConfig: { gradClip: { maxNorm: 1 }, cumulativeIters: 2 },
    checkpointConfig: { interval: 1 },
    logConfig: { interval: 2, hooks: [{ type: 'TextLoggerHook' }] },
    customHooks: [{ type: 'DistSamplerSeedHook' }, { type: 'EMAHook', momentum: 0.2, warmUp: 2, priority: 'NORMAL' }],
  });
  if (opts.stopAfter) runner.registerHook(new StopAfter(opts.stopAfter), 'LOWEST');
  if (opts.resumeFrom) await runner.resume(opts.resumeFrom);
  await runner.run([new ShuffledLoader(10, 2)], [['train', 1]]);
  return { runner, model, optimizer };
}

describe('deterministic resume with the built-in hooks', () => {
  it('2 epochs equal 1 epoch + resume for 1 (weights within 1e-6)', async () => {
    setGlobalSeed(11);
    const full = await trainRun(path.join(dir, 'full'));
    const want = [...full.model.w.dataSync(), ...full.model.b.dataSync()];
    const wantRng = globalRng().getState();

    setGlobalSeed(11);
    const first = await trainRun(path.join(dir, 'part'), { stopAfter: 1 });
    expect(first.runner.epoch).toBe(1);
    globalRng().seed(12345);
    const resumed = await trainRun(path.join(dir, 'resumed'), { resumeFrom: findLatestCheckpoint(path.join(dir, 'part')) });
    const got = [...resumed.model.w.dataSync(), ...resumed.model.b.dataSync()];
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-6));
    expect(globalRng().getState()).toEqual(wantRng);
    expect(resumed.runner.iter).toBe(10);
    expect(resumed.optimizer.paramGroups[0].lr).toBeCloseTo(full.optimizer.paramGroups[0].lr, 12);
    // Not trivially equal: one epoch alone ends elsewhere.
    expect(Math.abs(first.model.w.dataSync()[0] - want[0])).toBeGreaterThan(1e-4);
    for (const r of [full, first, resumed]) { r.optimizer.dispose(); r.model.dispose(); }
  });
});
