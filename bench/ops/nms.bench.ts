// NMS timing for 1 000 / 5 000 / 20 000 boxes, with torchvision side by side when available.
// Run: node bench/ops/run.cjs nms   (DET_BENCH_REPEATS, default 7; DET_PYTHON to pick a python)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { batchedNms, nms } from '../../libs/models/src/ops/nms';

const SIZES = [1000, 5000, 20000];
const REPEATS = Number(process.env.DET_BENCH_REPEATS ?? 7);
const IOU = 0.5;
const CLASSES = 80;

/**
 * Detector-like boxes: clusters of jittered boxes around N/20 objects in an 800×1333 image.
 * Scores are distinct (a shuffled ladder) so the kept lists can be compared with torchvision's,
 * whose sort is unstable on ties.
 */
function makeCase(n: number, seed: number) {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const objects = Math.max(1, Math.floor(n / 20));
  const centres = Array.from({ length: objects }, () => [rand() * 1333, rand() * 800, 16 + rand() * 300, 16 + rand() * 300]);
  const boxes = new Float32Array(n * 4);
  const scores = new Float32Array(n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const [cx, cy, w, h] = centres[Math.floor(rand() * objects)];
    const jw = w * (0.8 + 0.4 * rand());
    const jh = h * (0.8 + 0.4 * rand());
    const x = cx + (rand() - 0.5) * 0.3 * w;
    const y = cy + (rand() - 0.5) * 0.3 * h;
    boxes.set([x - jw / 2, y - jh / 2, x + jw / 2, y + jh / 2], i * 4);
    scores[i] = (i + 0.5) / n;
    labels[i] = Math.floor(rand() * CLASSES);
  }
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [scores[i], scores[j]] = [scores[j], scores[i]];
  }
  return { boxes, scores, labels };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => unknown): number {
  fn(); // warm-up (JIT)
  const ts: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ts);
}

function findPython(): string | undefined {
  for (const py of [process.env.DET_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean) as string[]) {
    const r = spawnSync(py, ['-c', 'import torchvision'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
}

async function main() {
  await tf.setBackend('cpu');
  tf.env().set('IS_TEST', true); // silences the tfjs-node hint
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-nms-bench-'));
  const ours: Record<number, { nms: number; tensor: number; batched: number; kept: number; keep: Int32Array; keepBatched: Int32Array }> = {};
  for (const n of SIZES) {
    const c = makeCase(n, 1000 + n);
    fs.writeFileSync(path.join(dir, `boxes_${n}.f32`), Buffer.from(c.boxes.buffer));
    fs.writeFileSync(path.join(dir, `scores_${n}.f32`), Buffer.from(c.scores.buffer));
    fs.writeFileSync(path.join(dir, `labels_${n}.i32`), Buffer.from(c.labels.buffer));
    const keep = nms(c.boxes, c.scores, IOU);
    const keepBatched = batchedNms(c.boxes, c.scores, c.labels, IOU);
    const tb = tf.tensor2d(c.boxes, [n, 4]);
    const ts = tf.tensor1d(c.scores);
    ours[n] = {
      nms: time(() => nms(c.boxes, c.scores, IOU)),
      tensor: time(() => nms(tb, ts, IOU)),
      batched: time(() => batchedNms(c.boxes, c.scores, c.labels, IOU)),
      kept: keep.length,
      keep,
      keepBatched,
    };
    tf.dispose([tb, ts]);
  }

  const py = findPython();
  let theirs: Record<string, { nms_ms: number; batched_ms: number; keep: number[]; keep_batched: number[] }> | undefined;
  let torchInfo = '';
  if (py) {
    const r = spawnSync(py, [path.join(__dirname, 'torchvision_nms.py'), dir, String(REPEATS), String(IOU), ...SIZES.map(String)], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status === 0) {
      const out = JSON.parse(r.stdout);
      theirs = out.results;
      torchInfo = out.versions;
    } else console.error(`torchvision run failed:\n${r.stderr}`);
  }

  console.log(
    `NMS, IoU threshold ${IOU}, median of ${REPEATS} runs, ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ` +
      `load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`,
  );
  if (theirs) console.log(`peer: ${torchInfo} (float32 CPU tensors, same boxes)`);
  console.log('boxes  | kept  | det nms (typed arrays) | det nms (tf tensors) | det batchedNms (80 cls) | torchvision nms | torchvision batched_nms | same keep?');
  for (const n of SIZES) {
    const o = ours[n];
    const t = theirs?.[String(n)];
    const same = t
      ? `${Array.from(o.keep).join() === t.keep.join() ? 'yes' : 'NO'} / ${Array.from(o.keepBatched).join() === t.keep_batched.join() ? 'yes' : 'NO'}`
      : '-';
    console.log(
      `${String(n).padStart(6)} | ${String(o.kept).padStart(5)} | ${o.nms.toFixed(2).padStart(19)} ms | ${o.tensor.toFixed(2).padStart(17)} ms | ${o.batched.toFixed(2).padStart(20)} ms | ` +
        `${t ? `${t.nms_ms.toFixed(2).padStart(12)} ms` : '           -   '} | ${t ? `${t.batched_ms.toFixed(2).padStart(20)} ms` : '-'} | ${same}`,
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
