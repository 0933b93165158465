// Train / test step time of the CPU-sized detectors (configs/_base_/models/*_tiny.ts) at the
// demo's input size, per tfjs backend. Usage:
//   node bench/models/run.cjs step [--backend native,wasm] [--batch 8] [--steps 5] [--model retinanet_tiny,fcos_tiny]
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DETECTORS, Rng, loadConfig } from '@det/registry';
import { SingleStageDetector, selectBackend, setNumClasses, DetBatch } from '@det/models';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** Padded 320×256 images (the synthetic set's 320×240 after pad-to-32) with 3 boxes each. */
function makeBatch(n: number, rng: Rng): DetBatch {
  const [h, w] = [256, 320];
  const data = new Float32Array(n * h * w * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * 0.5;
  const gtBboxes: Float32Array[] = [];
  const gtLabels: Int32Array[] = [];
  for (let b = 0; b < n; b++) {
    const boxes: number[] = [];
    for (let k = 0; k < 3; k++) {
      const s = 24 + rng.next() * 72;
      const x = rng.next() * (w - s);
      const y = rng.next() * (240 - s);
      boxes.push(x, y, x + s, y + s);
    }
    gtBboxes.push(Float32Array.from(boxes));
    gtLabels.push(Int32Array.from([0, 1, 2].map(() => rng.nextInt(8))));
  }
  const meta = { filename: 'x', oriShape: [240, 320, 3], imgShape: [240, 320, 3], padShape: [256, 320, 3], scaleFactor: [1, 1, 1, 1], flip: false } as DetBatch['imgMetas'][number];
  return { img: { data, shape: [n, h, w, 3] }, imgMetas: Array.from({ length: n }, () => meta), gtBboxes, gtLabels };
}

async function main(): Promise<void> {
  const backends = arg('backend', 'native,wasm').split(',');
  const batchSize = Number(arg('batch', '8'));
  const steps = Number(arg('steps', '5'));
  const models = arg('model', 'retinanet_tiny,fcos_tiny').split(',');
  for (const backend of backends) {
    const active = await selectBackend(backend);
    for (const name of models) {
      const cfg = loadConfig(path.resolve(__dirname, `../../configs/_base_/models/${name}.ts`)) as { model: Record<string, unknown> };
      const model = DETECTORS.build<SingleStageDetector>(setNumClasses({ ...cfg.model, rng: new Rng(0) }, 8) as never);
      const batch = makeBatch(batchSize, new Rng(1));
      const times: number[] = [];
      for (let i = 0; i < steps + 1; i++) {
        const t0 = performance.now();
        const out = await model.trainStep(batch);
        tf.tidy(() => {
          for (const [k, g] of Object.entries(out.grads!)) model.parameters()[k].assign(tf.sub(model.parameters()[k], tf.mul(g, 0.01)));
        });
        tf.dispose(Object.values(out.grads!));
        if (i > 0) times.push(performance.now() - t0);
        if (process.env.DET_BENCH_VERBOSE) console.log(`  step ${i}: ${(performance.now() - t0).toFixed(0)} ms, loss ${out.loss.toFixed(3)}`);
      }
      model.eval();
      const t1 = performance.now();
      await model.forwardTest(batch);
      const testMs = performance.now() - t1;
      const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
      console.log(`${active.padEnd(7)} ${name.padEnd(16)} batch ${batchSize} 320×256: train step ${median.toFixed(0)} ms (median of ${steps}), test ${testMs.toFixed(0)} ms, ${(median / batchSize).toFixed(0)} ms/img`);
      model.dispose();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
