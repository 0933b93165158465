// Train / test step time of the CPU-sized detectors (configs/_base_/models/*_tiny.ts) at the
// demo's input size, per tfjs backend. Usage:
//   node bench/models/run.cjs step [--backend native,wasm] [--batch 8] [--steps 5] [--model retinanet_tiny,fcos_tiny]
//                                  [--size 320x240] [--profile] [--profile-shapes] [--stock-kernels Pow,GatherV2,...]
// --size WxH is the image size before pad-to-32; --profile prints wall time per tfjs kernel over the
// timed steps, marking kernels that run as stock JS cpu kernels (no det native replacement);
// --profile-shapes splits each kernel's row by its input shapes. --stock-kernels puts the named
// kernels back to the stock JS cpu versions on the chosen backend (a before/after comparison of
// native replacements in one checkout).
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DETECTORS, Rng, loadConfig } from '@det/registry';
import { SingleStageDetector, selectBackend, setNumClasses, DetBatch } from '@det/models';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** Images of `imgW`×`imgH` padded to multiples of 32 (the synthetic set's 320×240 → 320×256) with 3 boxes each. */
function makeBatch(n: number, rng: Rng, imgW: number, imgH: number): DetBatch {
  const [h, w] = [Math.ceil(imgH / 32) * 32, Math.ceil(imgW / 32) * 32];
  const data = new Float32Array(n * h * w * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * 0.5;
  const gtBboxes: Float32Array[] = [];
  const gtLabels: Int32Array[] = [];
  for (let b = 0; b < n; b++) {
    const boxes: number[] = [];
    for (let k = 0; k < 3; k++) {
      const s = Math.min(24 + rng.next() * 72, imgW, imgH);
      const x = rng.next() * (imgW - s);
      const y = rng.next() * (imgH - s);
      boxes.push(x, y, x + s, y + s);
    }
    gtBboxes.push(Float32Array.from(boxes));
    gtLabels.push(Int32Array.from([0, 1, 2].map(() => rng.nextInt(8))));
  }
  const meta = { filename: 'x', oriShape: [imgH, imgW, 3], imgShape: [imgH, imgW, 3], padShape: [h, w, 3], scaleFactor: [1, 1, 1, 1], flip: false } as DetBatch['imgMetas'][number];
  return { img: { data, shape: [n, h, w, 3] }, imgMetas: Array.from({ length: n }, () => meta), gtBboxes, gtLabels };
}

interface KernelTotal { ms: number; calls: number; stock: boolean }

/**
 * Wraps every kernel of `backendName` to sum its wall time by name. A kernel whose function is the
 * stock cpu backend's is marked `stock` (it runs tfjs's JavaScript, not det's addon). Nested kernel
 * calls (a kernel calling another through the backend) are counted in both.
 */
function profileKernels(backendName: string, byShape: boolean): Map<string, KernelTotal> {
  const totals = new Map<string, KernelTotal>();
  const cpuFuncs = new Set(tf.getKernelsForBackend('cpu').map((k) => k.kernelFunc));
  for (const config of tf.getKernelsForBackend(backendName)) {
    const inner = config.kernelFunc;
    const stock = cpuFuncs.has(inner);
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => {
        const t0 = performance.now();
        const out = inner(args);
        const shapes = byShape ? ' ' + Object.values(args.inputs).map((t) => `[${t?.shape ?? ''}]`).join('') : '';
        const key = config.kernelName + shapes;
        const entry = totals.get(key) ?? { ms: 0, calls: 0, stock };
        entry.ms += performance.now() - t0;
        entry.calls += 1;
        totals.set(key, entry);
        return out;
      }) as tf.KernelFunc,
    });
  }
  return totals;
}

/** Re-registers the stock cpu kernel for each name on `backendName` (undoing a native replacement). */
function useStockKernels(backendName: string, names: string[]): void {
  for (const name of names) {
    const stock = tf.getKernel(name, 'cpu');
    if (!stock) throw new Error(`--stock-kernels: the cpu backend has no kernel '${name}'`);
    if (tf.getKernel(name, backendName)) tf.unregisterKernel(name, backendName);
    tf.registerKernel({ ...stock, backendName });
  }
}

function printProfile(totals: Map<string, KernelTotal>, steps: number): void {
  const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30);
  console.log('  ms/step  calls/step  runs as   kernel');
  for (const [name, t] of rows) {
    console.log(`  ${(t.ms / steps).toFixed(1).padStart(7)} ${(t.calls / steps).toFixed(1).padStart(11)}  ${(t.stock ? 'stock JS' : 'det').padEnd(8)} ${name}`);
  }
  totals.clear();
}

async function main(): Promise<void> {
  const backends = arg('backend', 'native,wasm').split(',');
  const batchSize = Number(arg('batch', '8'));
  const steps = Number(arg('steps', '5'));
  const models = arg('model', 'retinanet_tiny,fcos_tiny').split(',');
  const [imgW, imgH] = arg('size', '320x240').split('x').map(Number);
  if (!(imgW > 0 && imgH > 0)) throw new Error(`--size must be WxH (e.g. 320x240), got ${arg('size', '')}`);
  const byShape = process.argv.includes('--profile-shapes');
  const profile = byShape || process.argv.includes('--profile');
  for (const backend of backends) {
    const active = await selectBackend(backend);
    const stockNames = arg('stock-kernels', '').split(',').filter(Boolean);
    if (stockNames.length) useStockKernels(active, stockNames);
    const totals = profile ? profileKernels(active, byShape) : undefined;
    for (const name of models) {
      const cfg = loadConfig(path.resolve(__dirname, `../../configs/_base_/models/${name}.ts`)) as { model: Record<string, unknown> };
      const model = DETECTORS.build<SingleStageDetector>(setNumClasses({ ...cfg.model, rng: new Rng(0) }, 8) as never);
      const batch = makeBatch(batchSize, new Rng(1), imgW, imgH);
      const times: number[] = [];
      const cpuTimes: number[] = [];
      for (let i = 0; i < steps + 1; i++) {
        if (i === 1) totals?.clear(); // step 0 is warm-up
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const out = await model.trainStep(batch);
        tf.tidy(() => {
          for (const [k, g] of Object.entries(out.grads!)) model.parameters()[k].assign(tf.sub(model.parameters()[k], tf.mul(g, 0.01)));
        });
        tf.dispose(Object.values(out.grads!));
        const cpu = process.cpuUsage(cpu0);
        if (i > 0) {
          times.push(performance.now() - t0);
          cpuTimes.push((cpu.user + cpu.system) / 1000);
        }
        if (process.env.DET_BENCH_VERBOSE) console.log(`  step ${i}: ${(performance.now() - t0).toFixed(0)} ms, loss ${out.loss.toFixed(3)}`);
      }
      if (totals) printProfile(totals, steps);
      model.eval();
      const t1 = performance.now();
      await model.forwardTest(batch);
      const testMs = performance.now() - t1;
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const [padH, padW] = batch.img.shape.slice(1, 3);
      console.log(
        `${active.padEnd(7)} ${name.padEnd(16)} batch ${batchSize} ${padW}×${padH}: train step ${median(times).toFixed(0)} ms wall, ` +
          `${median(cpuTimes).toFixed(0)} ms CPU (medians of ${steps}), test ${testMs.toFixed(0)} ms, ${(median(times) / batchSize).toFixed(0)} ms/img`,
      );
      model.dispose();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
