// Runner + hook overhead per iteration (model step is nearly free) and checkpoint throughput.
//   node bench/runner/run.cjs overhead
import '@tensorflow/tfjs-backend-cpu';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { EpochBasedRunner, SGD, loadCheckpoint, saveCheckpoint, type RunnerModel, type StepOutput } from '@det/runner';
import '@det/hooks';

const quiet = { level: 'warn' as const, debug() {}, info() {}, warn() {}, error() {} };

/** A model whose step returns constant gradients for `n` parameters of `size` floats. */
function constModel(n: number, size: number): RunnerModel {
  const params = Object.fromEntries(Array.from({ length: n }, (_, i) => [`layer${i}.weight`, tf.variable(tf.zeros([size]))]));
  return {
    async trainStep(): Promise<StepOutput> {
      const grads = Object.fromEntries(Object.keys(params).map((k) => [k, tf.fill([size], 0.001)]));
      return { loss: 1, logVars: { loss_cls: 0.5, loss_bbox: 0.5, loss: 1 }, numSamples: 2, grads };
    },
    async valStep() { return { loss: 1, logVars: { loss: 1 }, numSamples: 2 }; },
    async forwardTest() { return []; },
    parameters: () => params,
    stateDict: () => params,
    loadStateDict: () => ({ missing: [], unexpected: [], mismatched: [] }),
    train() {},
    dispose: () => tf.dispose(Object.values(params)),
  };
}

function loader(batches: number) {
  return { length: batches, async *[Symbol.asyncIterator]() { for (let i = 0; i < batches; i++) yield i; } };
}

async function overhead(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-bench-'));
  const iters = 2000;
  const results: string[] = [];
  // First pass warms up the JIT; its figure is not reported.
  for (const [k, withHooks] of [false, false, true].entries()) {
    const model = constModel(10, 100);
    const runner = new EpochBasedRunner({ model, optimizer: new SGD({ lr: 0.01, momentum: 0.9 }, model.parameters()), workDir: dir, maxEpochs: 1, logger: quiet });
    runner.registerTrainingHooks({
      lrConfig: { policy: 'step', warmup: 'linear', warmupIters: 500, warmupRatio: 0.001, step: [8, 11] },
      optimizerConfig: {},
      logConfig: withHooks ? { interval: 50, hooks: [{ type: 'TextLoggerHook' }] } : null,
      timerConfig: withHooks ? undefined : null,
      customHooks: withHooks ? [{ type: 'CheckInvalidLossHook', interval: 1 }, { type: 'DistSamplerSeedHook' }] : [],
    });
    const t0 = performance.now();
    await runner.run([loader(iters)], [['train', 1]]);
    const ms = (performance.now() - t0) / iters;
    if (k > 0) results.push(`${withHooks ? 'LR+optimizer+timer+text logger+checks' : 'LR+optimizer hooks only'}: ${ms.toFixed(3)} ms/iter (10 params × 100 floats, SGD on tfjs cpu)`);
    model.dispose();
  }
  console.log(results.join('\n'));

  // Checkpoint: a ResNet-50-sized state dict (25.6 M floats, 102 MB) with SGD momentum buffers.
  const big = constModel(50, 512_000);
  const opt = new SGD({ lr: 0.01, momentum: 0.9 }, big.parameters());
  const grads = Object.fromEntries(Object.keys(big.parameters()).map((k) => [k, tf.fill([512_000], 0.001)]));
  opt.step(grads);
  tf.dispose(Object.values(grads));
  const file = path.join(dir, 'big.safetensors');
  const ts = performance.now();
  await saveCheckpoint(file, { model: big, optimizer: opt, meta: { epoch: 1, iter: 1 } });
  const saveS = (performance.now() - ts) / 1000;
  const tl = performance.now();
  await loadCheckpoint(file);
  const loadS = (performance.now() - tl) / 1000;
  const mb = fs.statSync(file).size / 2 ** 20;
  console.log(`checkpoint ${mb.toFixed(0)} MB (weights + momentum): atomic save ${saveS.toFixed(2)} s (${(mb / saveS).toFixed(0)} MB/s incl. fsync), load+decode ${loadS.toFixed(2)} s`);
  opt.dispose();
  big.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
}

overhead().catch((e) => {
  console.error(e);
  process.exit(1);
});
