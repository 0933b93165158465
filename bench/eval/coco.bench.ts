/**
 * COCO bbox evaluation benchmark: 500 images × 80 categories × 100 detections per image (3 500
 * GT), written to a temp dir as COCO files. Times det's evaluateCoco (file read + parse +
 * validation + evaluation) and, when a Python with pycocotools is found, pycocotools on the same
 * files; checks the 12 stats are identical and prints the speed ratio. See bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluateCoco, cocoSummaryLines, type CocoGtDict, type CocoResult } from '@det/data';
import { syntheticCoco } from './synthetic-coco';

const REPEATS = Number(process.env.DET_BENCH_REPEATS ?? 5);
// DET_BENCH_IMAGES scales the case (e.g. 5000 for COCO-val size); DET_BENCH_SKIP_PY=1 skips pycocotools.
const IMAGES = Number(process.env.DET_BENCH_IMAGES ?? 500);

const createdDirs: string[] = [];

function findPython(): string | undefined {
  const candidates = [process.env.DET_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  return candidates.find((py) => spawnSync(py, ['-c', 'import pycocotools'], { stdio: 'ignore' }).status === 0);
}

function timeDet(gtFile: string, detsFile: string) {
  const t0 = process.hrtime.bigint();
  const gt = JSON.parse(fs.readFileSync(gtFile, 'utf8')) as CocoGtDict;
  const dets = JSON.parse(fs.readFileSync(detsFile, 'utf8')) as CocoResult[];
  const t1 = process.hrtime.bigint();
  const result = evaluateCoco(gt, dets, { gtSource: gtFile, detsSource: detsFile });
  const t2 = process.hrtime.bigint();
  return { result, totalS: Number(t2 - t0) / 1e9, evalS: Number(t2 - t1) / 1e9 };
}

function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-coco-bench-'));
  createdDirs.push(dir);
  const { gt, detections } = syntheticCoco({
    seed: 2026, images: IMAGES, categories: 80, gtPerImage: 7, detsPerImage: 100, scoreDecimals: 3, crowdFraction: 0.02,
  });
  const gtFile = path.join(dir, 'gt.json');
  const detsFile = path.join(dir, 'dets.json');
  fs.writeFileSync(gtFile, JSON.stringify(gt));
  fs.writeFileSync(detsFile, JSON.stringify(detections));
  console.log(`case: ${gt.images.length} images, ${gt.categories.length} categories, ${gt.annotations.length} GT, ${detections.length} detections (${dir})`);

  const runs = Array.from({ length: REPEATS }, () => timeDet(gtFile, detsFile));
  const best = runs.reduce((a, b) => (b.totalS < a.totalS ? b : a));
  const median = [...runs].sort((a, b) => a.totalS - b.totalS)[Math.floor(runs.length / 2)];
  console.log(cocoSummaryLines(best.result).join('\n'));
  console.log(`det: total ${median.totalS.toFixed(3)} s median of ${REPEATS} (best ${best.totalS.toFixed(3)} s; evaluation alone ${best.evalS.toFixed(3)} s, rest is JSON read/parse)`);

  const python = process.env.DET_BENCH_SKIP_PY ? undefined : findPython();
  if (!python) {
    console.log('pycocotools: not found (set DET_PYTHON to a python with pycocotools); ratio not measured');
    return;
  }
  const script = path.join(__dirname.includes('bench') ? __dirname : path.resolve('bench/eval'), 'pycocotools_eval.py');
  const out = spawnSync(python, [script, gtFile, detsFile], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (out.status !== 0) throw new Error(`pycocotools run failed: ${out.stderr}`);
  const py = JSON.parse(out.stdout.trim().split('\n').pop()!) as { stats: number[]; seconds: number };
  const diffs = py.stats.map((s, i) => Math.abs(s - best.result.stats[i]));
  const identical = py.stats.every((s, i) => s === best.result.stats[i]);
  console.log(`pycocotools (${python}): ${py.seconds.toFixed(2)} s`);
  console.log(`stats identical: ${identical} (max |diff| ${Math.max(...diffs).toExponential(2)})`);
  console.log(`speed-up: ${(py.seconds / median.totalS).toFixed(1)}x (pycocotools / det median, both from files to stats)`);
  if (!identical) process.exitCode = 1;
}

try {
  main();
} finally {
  // The case files are large; keep them only when asked (DET_BENCH_KEEP=1).
  if (!process.env.DET_BENCH_KEEP) for (const d of createdDirs) fs.rmSync(d, { recursive: true, force: true });
}
