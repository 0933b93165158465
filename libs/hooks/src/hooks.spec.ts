import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import * as tf from '@tensorflow/tfjs-core';
import { EpochBasedRunner, Hook, IterBasedRunner, SGD, type BaseRunner, type StepOutput } from '@det/runner';
import { OptimizerHook } from './optimizer-hook';
import { EMAHook, ExpMomentumEMAHook } from './ema-hook';
import { ProgressBarHook } from './progress-bar-hook';
import { CheckpointHook } from './checkpoint-hook';
import { EvalHook } from './eval-hook';
import { DistSamplerSeedHook } from './dist-sampler-seed-hook';
import { LinearModel, ShuffledLoader, memoryLogger, scoredDataset } from './__fixtures__/linear-model';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-hooks-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Hands the OptimizerHook fixed gradients, one list per iteration. */
async function fakeStepRunner(gradsPerIter: number[][], options: ConstructorParameters<typeof OptimizerHook>[0]) {
  const init = tf.tensor1d([0, 0]);
  const p = tf.variable(init);
  init.dispose();
  const optimizer = new SGD({ lr: 1 }, { p });
  const hook = new OptimizerHook(options);
  const runner = { iter: 0, maxIters: gradsPerIter.length, optimizer, logBuffer: { update: jest.fn() }, logger: memoryLogger(), outputs: undefined as StepOutput | undefined } as unknown as BaseRunner;
  hook.beforeRun(runner);
  const after: number[][] = [];
  for (const g of gradsPerIter) {
    runner.outputs = { loss: 0, logVars: {}, numSamples: 1, grads: { p: tf.tensor1d(g) } };
    await hook.afterTrainIter(runner);
    expect(runner.outputs.grads).toBeUndefined();
    after.push(Array.from(p.dataSync()));
    runner.iter++;
  }
  return { after, runner, dispose: () => { optimizer.dispose(); p.dispose(); } };
}

describe('OptimizerHook', () => {
  it('accumulates N iterations (average) and steps every N, the remainder at the end', async () => {
    const before = tf.memory().numTensors;
    // SGD lr 1: p -= mean of the window's gradients; 5 iterations, windows {0,1}, {2,3}, {4}
    const { after, dispose } = await fakeStepRunner([[1, 2], [3, 4], [10, 0], [0, 10], [7, 7]], { cumulativeIters: 2 });
    expect(after).toEqual([[0, 0], [-2, -3], [-2, -3], [-7, -8], [-14, -15]]);
    dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('clips by global norm and logs grad_norm', async () => {
    const { after, runner, dispose } = await fakeStepRunner([[3, 4]], { gradClip: { maxNorm: 1 } });
    expect(after[0][0]).toBeCloseTo(-0.6, 5);
    expect(after[0][1]).toBeCloseTo(-0.8, 5);
    expect(runner.logBuffer.update).toHaveBeenCalledWith({ grad_norm: expect.closeTo(5, 5) }, 1);
    dispose();
  });

  it('says so when the model returns no gradients', async () => {
    const hook = new OptimizerHook();
    await expect(hook.afterTrainIter({ outputs: { loss: 1, logVars: {}, numSamples: 1 } } as unknown as BaseRunner)).rejects.toThrow(/returned no grads/);
    expect(() => new OptimizerHook({ cumulativeIters: 0 })).toThrow(/cumulativeIters must be a positive integer/);
  });
});

describe('EMAHook', () => {
  it('follows ema ← (1 − m)·ema + m·p with warm-up, and swaps for evaluation', async () => {
    const model = new LinearModel();
    const runner = new EpochBasedRunner({ model, optimizer: new SGD({ lr: 0.1 }, model.parameters()), workDir: dir, maxEpochs: 1, logger: memoryLogger() });
    runner.registerHook(new OptimizerHook(), 'ABOVE_NORMAL');
    const ema = new EMAHook({ momentum: 0.5, warmUp: 3 });
    runner.registerHook(ema, 'NORMAL');
    const wAfterStep: number[][] = [];
    class Spy extends Hook {
      override afterTrainIter(): void { wAfterStep.push(Array.from(model.w.dataSync())); }
    }
    runner.registerHook(new Spy(), 'BELOW_NORMAL');
    const w0 = Array.from(model.w.dataSync());
    let seenAtEpochEnd: number[] = [];
    class AtEnd extends Hook { override afterTrainEpoch(): void { seenAtEpochEnd = Array.from(model.w.dataSync()); } }
    runner.registerHook(new AtEnd(), 'LOW');
    await runner.run([new ShuffledLoader(6, 2)], [['train', 1]]);
    // Hand computation: m_i = min(0.5, (1 + i) / (3 + i)) → 1/3, 0.5, 0.5
    let e = [...w0];
    wAfterStep.forEach((p, i) => {
      const m = Math.min(0.5, (1 + i) / (3 + i));
      e = e.map((v, k) => (1 - m) * v + m * p[k]);
    });
    seenAtEpochEnd.forEach((v, k) => expect(v).toBeCloseTo(e[k], 6));
    // The raw weights sit in the hook while swapped.
    Array.from(ema.emaWeights()['fc.weight'].dataSync()).forEach((v, k) => expect(v).toBeCloseTo(wAfterStep[2][k], 6));
    // the tensors a checkpoint reads to the host first (webgpu) are exactly the EMA values
    expect(ema.stateTensors()).toEqual(Object.values(ema.emaWeights()));
    model.dispose();
  });
});

describe('ExpMomentumEMAHook', () => {
  it('uses (1 − m)·exp(−(1 + i)/T) + m every interval, by hand', async () => {
    const model = new LinearModel();
    const runner = new EpochBasedRunner({ model, optimizer: new SGD({ lr: 0.1 }, model.parameters()), workDir: dir, maxEpochs: 1, logger: memoryLogger() });
    runner.registerHook(new OptimizerHook(), 'ABOVE_NORMAL');
    const ema = new ExpMomentumEMAHook({ momentum: 0.1, totalIter: 4, interval: 2 });
    runner.registerHook(ema, 'NORMAL');
    const w: number[][] = [];
    class Spy extends Hook { override afterTrainIter(): void { w.push(Array.from(model.w.dataSync())); } }
    runner.registerHook(new Spy(), 'BELOW_NORMAL');
    const w0 = Array.from(model.w.dataSync());
    let atEnd: number[] = [];
    class AtEnd extends Hook { override afterTrainEpoch(): void { atEnd = Array.from(model.w.dataSync()); } }
    runner.registerHook(new AtEnd(), 'LOW');
    await runner.run([new ShuffledLoader(8, 2)], [['train', 1]]);
    let e = [...w0];
    for (const i of [1, 3]) { // (i + 1) % 2 == 0
      const m = 0.9 * Math.exp(-(1 + i) / 4) + 0.1;
      e = e.map((v, k) => (1 - m) * v + m * w[i][k]);
    }
    atEnd.forEach((v, k) => expect(v).toBeCloseTo(e[k], 6));
    model.dispose();
  });
});

describe('CheckpointHook by iteration with IterBasedRunner', () => {
  it('saves every interval, keeps maxKeepCkpts, and resume restores counters', async () => {
    const model = new LinearModel();
    const runner = new IterBasedRunner({ model, optimizer: new SGD({ lr: 0.1 }, model.parameters()), workDir: dir, maxIters: 7, logger: memoryLogger() });
    runner.registerHook(new OptimizerHook(), 'ABOVE_NORMAL');
    runner.registerHook(new CheckpointHook({ interval: 2, byEpoch: false, maxKeepCkpts: 2 }));
    await runner.run([new ShuffledLoader(6, 2)], [['train', 1]]);
    // MMCV's pruning walks back from the newest by `interval` and stops at the first gap, so the
    // off-interval last save (7) removes nothing: iter_2 went when iter_6 was written.
    expect(fs.readdirSync(dir).sort()).toEqual(['iter_4.safetensors', 'iter_6.safetensors', 'iter_7.safetensors', 'latest.safetensors']);
    const again = new IterBasedRunner({ model: new LinearModel(), optimizer: new SGD({ lr: 0.1 }, model.parameters()), workDir: dir, maxIters: 9, logger: memoryLogger() });
    await again.resume(path.join(dir, 'iter_6.safetensors'));
    expect([again.iter, again.innerIter, again.epoch]).toEqual([6, 6, 2]);
    model.dispose();
    again.model.dispose();
  });
});

describe('EvalHook rules', () => {
  const loader = () => Object.assign(new ShuffledLoader(2, 2), { dataset: scoredDataset([0.1]) });

  it('infers greater for mAP-like keys and less for loss, and asks for a rule otherwise', () => {
    expect(new EvalHook({ dataloader: loader(), saveBest: 'bbox_mAP' }).rule).toBe('greater');
    expect(new EvalHook({ dataloader: loader(), saveBest: 'val_loss' }).rule).toBe('less');
    expect(() => new EvalHook({ dataloader: loader(), saveBest: 'f00' })).toThrow(/cannot tell whether 'f00'.*evaluation.rule/);
    expect(new EvalHook({ dataloader: loader(), saveBest: 'f00', rule: 'less' }).rule).toBe('less');
  });

  it('with start: 0 evaluates once before training as MMCV, then every interval', async () => {
    const model = new LinearModel();
    const runner = new EpochBasedRunner({ model, optimizer: new SGD({ lr: 0.1 }, model.parameters()), workDir: dir, maxEpochs: 2, logger: memoryLogger() });
    runner.registerHook(new OptimizerHook(), 'ABOVE_NORMAL');
    const val = loader();
    const at: number[] = [];
    const hook = new EvalHook({ dataloader: val, start: 0, interval: 1 });
    const evaluate = hook.evaluate.bind(hook);
    hook.evaluate = async (r, res) => { at.push(r.epoch); return evaluate(r, res); };
    runner.registerHook(hook, 'LOW');
    await runner.run([new ShuffledLoader(2, 2)], [['train', 1]]);
    // before epoch 1 (epoch counter 0), then after epochs 1 and 2 (counter 0 and 1); the initial
    // check goes through the interval rule, so start 0 with interval 2 would skip it (as MMCV)
    expect(at).toEqual([0, 0, 1]);
    model.dispose();
  });

  it('names a missing saveBest key', async () => {
    const hook = new EvalHook({ dataloader: loader(), saveBest: 'segm_mAP' });
    const runner = { logBuffer: { output: {} }, logger: memoryLogger() } as unknown as BaseRunner;
    await expect(hook.evaluate(runner, [])).rejects.toThrow(/'segm_mAP' is not among the scores \(bbox_mAP, bbox_mAP_50\)/);
  });
});

describe('ProgressBarHook and DistSamplerSeedHook', () => {
  it('prints plain lines when the stream is not a TTY', async () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (c) => (text += c));
    const model = new LinearModel();
    const runner = new EpochBasedRunner({ model, optimizer: new SGD({ lr: 0.1 }, model.parameters()), workDir: dir, maxEpochs: 1, logger: memoryLogger() });
    runner.registerHook(new OptimizerHook());
    runner.registerHook(new ProgressBarHook({ interval: 2, stream }));
    await runner.run([new ShuffledLoader(6, 2)], [['train', 1]]);
    expect(text.split('\n').filter(Boolean).map((l) => l.replace(/ loss \d\.\d{4}$/, ''))).toEqual(['[train] epoch 1 2/3', '[train] epoch 1 3/3']);
    model.dispose();
  });

  it('falls back to loader.sampler.setEpoch', () => {
    const calls: number[] = [];
    const runner = { epoch: 4, dataLoader: { length: 1, sampler: { setEpoch: (e: number) => calls.push(e) } } } as unknown as BaseRunner;
    new DistSamplerSeedHook().beforeTrainEpoch(runner);
    expect(calls).toEqual([4]);
  });
});
