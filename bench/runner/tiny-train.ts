// Integration run: the tiny RetinaNet synthetic config trained by det's runner and hooks for a
// few iterations, then resumed from its checkpoint. Checks the pieces fit (models' detectors,
// data's loader, runner, hooks, checkpoints) and times an iteration. Run from source:
//   node --conditions=@det/source -r ./bench/runner/ts-require.cjs bench/runner/tiny-train.ts [iters]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DATASETS, DETECTORS, OPTIMIZERS, loadConfig, setGlobalSeed, type ComponentConfig } from '@det/registry';
import { buildDataLoader } from '@det/data';
import { selectBackend } from '@det/models';
import { IterBasedRunner, findLatestCheckpoint, type DataLoaderLike, type Optimizer, type RunnerModel, type TrainingHooksConfig } from '@det/runner';
import { EvalHook } from '@det/hooks';

async function main(): Promise<void> {
  const iters = Number(process.argv[2] ?? 6);
  const backend = await selectBackend(process.env.DET_BACKEND ?? 'auto');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'det-tiny-train-'));
  const dataRoot = path.join(os.tmpdir(), 'det-synthetic-shapes-bench');
  const cfg = loadConfig(path.resolve('configs/synthetic/retinanet_tiny_synthetic.ts'), {
    cfgOptions: [
      `data.train.dataRoot=${dataRoot}`, `data.val.dataRoot=${dataRoot}`, `data.test.dataRoot=${dataRoot}`,
      `runner.maxIters=${iters}`, `checkpointConfig.interval=${Math.ceil(iters / 2)}`, 'logConfig.interval=2',
      'data.samplesPerGpu=2',
    ],
  }) as unknown as Record<string, any>;
  setGlobalSeed(0);

  const build = async (resumeFrom?: string) => {
    const trainSet = DATASETS.build(cfg.data.train as ComponentConfig, { keyPath: 'data.train' }) as any;
    const valSet = DATASETS.build({ ...cfg.data.val, numVal: 4 } as ComponentConfig, { keyPath: 'data.val' }) as any;
    const train = Object.assign(buildDataLoader(trainSet, { samplesPerGpu: cfg.data.samplesPerGpu, shuffle: true, seed: 0 }), { dataset: trainSet });
    const val = Object.assign(buildDataLoader(valSet, { samplesPerGpu: 2, shuffle: false }), { dataset: valSet });
    const model = DETECTORS.build({ ...cfg.model, bboxHead: { ...cfg.model.bboxHead, numClasses: trainSet.classes.length } } as ComponentConfig, { keyPath: 'model' }) as unknown as RunnerModel;
    const optimizer = OPTIMIZERS.build<Optimizer>(cfg.optimizer, { keyPath: 'optimizer', args: [model.parameters()] });
    const runner = new IterBasedRunner({ model, optimizer, workDir: work, maxIters: cfg.runner.maxIters, meta: { config: cfg, seed: 0 } });
    const hooks: TrainingHooksConfig = {
      lrConfig: cfg.lrConfig, optimizerConfig: cfg.optimizerConfig, checkpointConfig: cfg.checkpointConfig,
      logConfig: cfg.logConfig, customHooks: cfg.customHooks,
    };
    runner.registerTrainingHooks(hooks);
    runner.registerHook(new EvalHook({ dataloader: val as unknown as DataLoaderLike, byEpoch: false, interval: iters, metric: 'bbox', saveBest: 'auto' }), 'LOW');
    if (resumeFrom) await runner.resume(resumeFrom);
    return { runner, train: train as unknown as DataLoaderLike };
  };

  const first = await build();
  const t0 = performance.now();
  await first.runner.run([first.train], [['train', 1]]);
  const perIter = (performance.now() - t0) / 1000 / iters;
  console.log(`backend ${backend}: ${iters} iterations of the tiny RetinaNet (batch ${cfg.data.samplesPerGpu}, 320×240) in ${(perIter * iters).toFixed(1)} s, ${perIter.toFixed(2)} s/iter incl. hooks and evaluation`);
  console.log('work dir:', fs.readdirSync(work).sort().join(', '));

  // Resume from the mid-run checkpoint with a longer schedule and check it continues.
  cfg.runner.maxIters = iters + 2;
  const mid = path.join(work, `iter_${Math.ceil(iters / 2)}.safetensors`);
  const second = await build(fs.existsSync(mid) ? mid : findLatestCheckpoint(work));
  const startIter = second.runner.iter;
  await second.runner.run([second.train], [['train', 1]]);
  console.log(`resumed at iter ${startIter}, ended at iter ${second.runner.iter}, lr ${second.runner.currentLr()[0].toExponential(3)}`);
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
