// MaxIoUAssigner on RetinaNet-sized inputs: ~120k anchors (800×1333, strides 8–128, 9 anchors)
// against 20 gts; the overlap matrix computed on host arrays vs with tfjs cpu tensor ops.
// Run: node bench/ops/run.cjs assigner
import * as os from 'node:os';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { AnchorGenerator } from '../../libs/models/src/anchors/anchor-generator';
import { MaxIoUAssigner } from '../../libs/models/src/bbox/assigners/max-iou-assigner';
import { bboxOverlaps } from '../../libs/models/src/ops/iou';

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

function time(fn: () => void, repeats = 5): number {
  fn();
  const ts: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ts);
}

async function main() {
  await tf.setBackend('cpu');
  tf.env().set('IS_TEST', true);
  const gen = new AnchorGenerator({ strides: [8, 16, 32, 64, 128], ratios: [0.5, 1, 2], octaveBaseScale: 4, scalesPerOctave: 3 });
  const sizes = [8, 16, 32, 64, 128].map((s) => [Math.ceil(800 / s), Math.ceil(1344 / s)] as [number, number]);
  const levels = gen.gridPriors(sizes);
  const anchors = tf.concat(levels) as tf.Tensor2D;
  let s = 5;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const gt = tf.tensor2d(Array.from({ length: 20 }, () => {
    const x = rand() * 1100, y = rand() * 600;
    return [x, y, x + 20 + rand() * 200, y + 20 + rand() * 200];
  }));
  const assigner = new MaxIoUAssigner({ posIouThr: 0.5, negIouThr: 0.4, minPosIou: 0 });
  const typed = time(() => assigner.assign(anchors, gt, undefined, new Int32Array(20)));
  const tensorOverlaps = time(() => bboxOverlaps(gt, anchors).dataSync());
  console.log(
    `MaxIoUAssigner, ${anchors.shape[0]} anchors × 20 gts, median of 5, load average ${os.loadavg()[0].toFixed(1)}: ` +
      `assign (host overlaps + rules) ${typed.toFixed(1)} ms; the overlap matrix alone with tfjs cpu tensor ops ${tensorOverlaps.toFixed(1)} ms`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
