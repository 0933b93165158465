// Throughput of the default training pipeline (640×480 JPEG → 320 short side) through
// buildDataLoader with 0, 1 and 2 worker threads. Runs from the built packages (dist), which
// also exercises the compiled worker entry. Usage: see bench/README.md.
'use strict';
const os = require('node:os');
const path = require('node:path');
const { DATASETS } = require('@det/registry');
const { buildDataLoader, generateSyntheticShapes } = require('@det/data');

const NUM_IMAGES = Number(process.env.DET_BENCH_IMAGES ?? 160);
const ROOT = process.env.DET_BENCH_DIR ?? path.join(os.tmpdir(), 'det-bench-shapes-640');
const WORKERS = (process.env.DET_BENCH_WORKERS ?? '0,1,2').split(',').map(Number);
// A main-thread "training step" that keeps the CPU busy per batch, to show decode/step overlap.
const STEP_MS = Number(process.env.DET_BENCH_STEP_MS ?? 40);

const PIPELINE = [
  { type: 'LoadImageFromFile' },
  { type: 'LoadAnnotations' },
  { type: 'Resize', imgScale: [533, 320], keepRatio: true },
  { type: 'RandomFlip', flipRatio: 0.5 },
  { type: 'Normalize', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], toRgb: true },
  { type: 'Pad', sizeDivisor: 32 },
  { type: 'DefaultFormatBundle' },
  { type: 'Collect', keys: ['img', 'gtBboxes', 'gtLabels'] },
];

async function epoch(loader, stepMs = 0) {
  let n = 0;
  for await (const batch of loader) {
    n += batch.imgMetas.length;
    const until = Date.now() + stepMs;
    while (Date.now() < until); // busy, like a synchronous kernel
  }
  return n;
}

async function main() {
  const gen = { root: ROOT, numTrain: NUM_IMAGES, numVal: 0, imageSize: [640, 480], objectSize: [48, 240], seed: 0 };
  const g = await generateSyntheticShapes(gen);
  console.log(g.generated ? `generated ${NUM_IMAGES} images in ${g.seconds.toFixed(1)} s` : `reusing ${ROOT}`);
  const { root, ...params } = gen;
  const dataset = DATASETS.build({ type: 'SyntheticShapesDataset', dataRoot: root, ...params, pipeline: PIPELINE });
  const rows = [];
  for (const workersPerGpu of WORKERS) {
    const loader = buildDataLoader(dataset, { samplesPerGpu: 2, workersPerGpu, shuffle: true, seed: 0 });
    const t0 = process.hrtime.bigint();
    await epoch(loader); // first epoch includes worker start-up
    const t1 = process.hrtime.bigint();
    loader.setEpoch(1);
    const n = await epoch(loader);
    const t2 = process.hrtime.bigint();
    loader.setEpoch(2);
    await epoch(loader, STEP_MS);
    const t3 = process.hrtime.bigint();
    await loader.close();
    const warm = Number(t2 - t1) / 1e9;
    const busy = Number(t3 - t2) / 1e9;
    const stepOnly = (Math.ceil(n / 2) * STEP_MS) / 1000;
    rows.push({
      workers: workersPerGpu, images: n, 'first epoch s': (Number(t1 - t0) / 1e9).toFixed(2), 'warm epoch s': warm.toFixed(2),
      'images/s': (n / warm).toFixed(1), [`with ${STEP_MS} ms step: epoch s`]: busy.toFixed(2), 'loader wait s': (busy - stepOnly).toFixed(2),
    });
  }
  console.log(`default training pipeline, 640x480 JPEG -> 427x320 (padded 448x320), batch 2, ${os.cpus().length} CPUs, node ${process.version}`);
  console.table(rows);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
