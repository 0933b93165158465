import * as tf from '@tensorflow/tfjs-core';
import { ROI_EXTRACTORS } from '@det/registry';
import '../index';
import { roiAlign } from '../ops/roi-align';
import { mapRoiLevels } from './roi-levels';
import { SingleRoIExtractor } from './single-roi-extractor';
import { useTrainingBackend } from './__fixtures__/training-backend';

let backend = '';
beforeAll(async () => {
  backend = await useTrainingBackend();
});

/** A square roi of side s at the origin (batch 0). */
const square = (s: number) => [0, 0, 0, s, s];

describe('mapRoiLevels (finestScale 56, 4 levels)', () => {
  it.each([
    [1, 0], [56, 0], [111, 0], [112, 1], [150, 1], [223, 1], [224, 2], [447, 2], [448, 3], [1000, 3], [5000, 3],
  ])('sqrt(area) %d → level %d', (s, level) => {
    expect(Array.from(mapRoiLevels(square(s), 4))).toEqual([level]);
  });

  it('uses sqrt(w·h), clamps to the available levels and honours finestScale', () => {
    // 56×224: sqrt = 112 → level 1
    expect(Array.from(mapRoiLevels([0, 10, 10, 66, 234], 4))).toEqual([1]);
    expect(Array.from(mapRoiLevels([...square(448), ...square(30)], 2))).toEqual([1, 0]);
    expect(Array.from(mapRoiLevels(square(32), 4, 16))).toEqual([1]);
  });
});

describe('SingleRoIExtractor', () => {
  const build = () =>
    ROI_EXTRACTORS.build<SingleRoIExtractor>({ type: 'SingleRoIExtractor', roiLayer: { type: 'RoIAlign', outputSize: 2, samplingRatio: 2 }, outChannels: 3, featmapStrides: [4, 8], finestScale: 8 });
  // image 0: a small roi (level 0) and a large one (level 1); image 1: a small one
  const rois = Float32Array.from([0, 2, 3, 14, 13, /**/ 0, 4, 2, 30, 28, /**/ 1, 5, 6, 12, 14]);
  const feats = () => [tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 1), tf.randomUniform([2, 4, 4, 3], -1, 1, 'float32', 2)];

  it('pools each RoI from its level with spatialScale 1/stride, in the input order', () => {
    const ex = build();
    const f = feats();
    expect(Array.from(mapRoiLevels(rois, 2, 8))).toEqual([0, 1, 0]);
    const out = ex.forward(f, rois);
    expect(out.shape).toEqual([3, 2, 2, 3]);
    const expectRow = (r: number, level: number, stride: number) => {
      const ref = roiAlign(f[level] as tf.Tensor4D, tf.tensor2d(rois.subarray(r * 5, r * 5 + 5), [1, 5]), { outputSize: 2, spatialScale: 1 / stride, samplingRatio: 2 });
      const got = tf.slice(out, [r, 0, 0, 0], [1, -1, -1, -1]);
      // the extractor may use roiAlign's host kernel and the reference its gather form: float32 rounding apart
      const want = ref.dataSync();
      got.dataSync().forEach((v, j) => expect(Math.abs(v - want[j])).toBeLessThan(1e-6));
    };
    expectRow(0, 0, 4);
    expectRow(1, 1, 8);
    expectRow(2, 0, 4);
    expect(ex.forward(f, new Float32Array(0)).shape).toEqual([0, 2, 2, 3]);
    expect(() => build().forward([f[0]], rois)).toThrow(/1 feature levels for 2 featmapStrides/);
  });

  it('gradient w.r.t. every level matches central finite differences (float32, |err| ≤ 1e-3)', () => {
    const ex = build();
    const f = feats();
    const proj = tf.randomUniform([3, 2, 2, 3], -1, 1, 'float32', 3);
    const objective = (...levels: tf.Tensor[]) => tf.sum(tf.mul(ex.forward(levels, rois), proj));
    const grads = tf.grads(objective)(f);
    const values = f.map((t) => Float32Array.from(t.dataSync()));
    const shapes = f.map((t) => t.shape);
    // RoIAlign is linear in the features, so a difference quotient of the objective is exact up to rounding
    const evalAt = (level: number, i: number, delta: number) =>
      tf.tidy(() => {
        const arrays = values.map((v) => Float32Array.from(v));
        arrays[level][i] += delta;
        return objective(...arrays.map((a, l) => tf.tensor(a, shapes[l]))).dataSync()[0];
      });
    const eps = 0.25;
    let checked = 0;
    let nonZero = 0;
    for (let level = 0; level < 2; level++) {
      const g = grads[level].dataSync();
      for (let i = 0; i < values[level].length; i += 5) {
        const numeric = (evalAt(level, i, eps) - evalAt(level, i, -eps)) / (2 * eps);
        expect(Math.abs(g[i] - numeric)).toBeLessThanOrEqual(1e-3);
        checked++;
        if (Math.abs(g[i]) > 1e-4) nonZero++;
      }
    }
    expect(checked).toBeGreaterThan(50);
    // the rois cover a good part of both levels, so many entries must have a gradient
    expect(nonZero).toBeGreaterThan(10);
    console.log(`extractor gradient vs finite differences on '${backend}': ${checked} entries, ${nonZero} non-zero`);
    tf.dispose([...f, ...grads, proj]);
  });
});
