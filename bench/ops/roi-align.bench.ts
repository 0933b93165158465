// RoIAlign forward / backward timing at a Faster R-CNN-like size, cpu and wasm backends, with
// torchvision's roi_align (forward + backward, float32 CPU) side by side when available.
// Run: node bench/ops/run.cjs roi-align   (DET_BENCH_REPEATS, default 5)
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { roiAlign } from '../../libs/models/src/ops/roi-align';

const REPEATS = Number(process.env.DET_BENCH_REPEATS ?? 5);
// One FPN level of an 800×1333 batch of 2 at stride 8, 256 channels; 512 rois per image.
const [N, H, W, C] = [2, 100, 167, 256];
const K = 1024;
const OPTS = { outputSize: [7, 7] as [number, number], spatialScale: 1 / 8, samplingRatio: 0, aligned: true };

function makeRois(): Float32Array {
  let s = 99;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const rois = new Float32Array(K * 5);
  for (let k = 0; k < K; k++) {
    const w = 16 + rand() * 112; // sizes FPN maps to this level (~ 56–112 px)
    const h = 16 + rand() * 112;
    const x = rand() * (W * 8 - w);
    const y = rand() * (H * 8 - h);
    rois.set([k % N, x, y, x + w, y + h], k * 5);
  }
  return rois;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

function time(fn: () => void): number {
  fn();
  const ts: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ts);
}

async function main() {
  const featData = Float32Array.from({ length: N * H * W * C }, (_, i) => Math.sin(i * 0.001));
  const roiData = makeRois();
  console.log(
    `roiAlign features [${N},${H},${W},${C}] NHWC, ${K} rois, 7×7, samplingRatio 0, aligned; median of ${REPEATS}; ` +
      `load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`,
  );
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    tf.env().set('IS_TEST', true);
    const feats = tf.tensor4d(featData, [N, H, W, C]);
    const rois = tf.tensor2d(roiData, [K, 5]);
    const fwd = time(() => {
      const out = roiAlign(feats, rois, OPTS);
      out.dataSync();
      out.dispose();
    });
    // Backward from a given upstream gradient dy, as inside a detector (a tf.sum on top would
    // time tfjs's own sum/broadcast gradients of a [1024,7,7,256] tensor instead).
    const dy = tf.ones([K, 7, 7, C]);
    const grad = tf.grad((f: tf.Tensor) => roiAlign(f as tf.Tensor4D, rois, OPTS));
    const fwdBwd = time(() => {
      const g = grad(feats, dy);
      g.dataSync();
      g.dispose();
    });
    dy.dispose();
    console.log(`det ${backend.padEnd(4)}: forward ${fwd.toFixed(1)} ms, forward+backward ${fwdBwd.toFixed(1)} ms`);
    tf.dispose([feats, rois]);
  }
  const py = [process.env.DET_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean).find(
    (p) => spawnSync(p as string, ['-c', 'import torchvision'], { encoding: 'utf8' }).status === 0,
  );
  if (py) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-roi-bench-'));
    fs.writeFileSync(path.join(dir, 'feats.f32'), Buffer.from(featData.buffer));
    fs.writeFileSync(path.join(dir, 'rois.f32'), Buffer.from(roiData.buffer));
    const r = spawnSync(py, [path.join(__dirname, 'torchvision_roi_align.py'), dir, String(REPEATS), String(N), String(H), String(W), String(C), String(K)], { encoding: 'utf8' });
    console.log(r.status === 0 ? r.stdout.trim() : `torchvision run failed: ${r.stderr}`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
