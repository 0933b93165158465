import * as tf from '@tensorflow/tfjs-core';
import { buildRoiAlignPlan } from './roi-align-plan';
import { applyPlanGather, applyPlanTyped, scatterPlanND, scatterPlanTyped, transposePlan } from './roi-align-kernels';
import { expectClose } from '../testing/vectors';
import { useBackend } from '../testing/tf-backend';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('RoIAlign kernels', () => {
  const [n, h, w, c] = [2, 9, 11, 5];
  const rois = [0, 1.5, 2, 9.5, 7, 1, -2, 0.5, 6, 12, 0, 3, 3, 3.2, 3.1, 1, 0, 0, 11, 9];
  const plan = buildRoiAlignPlan(rois, [n, h, w], { outputSize: [3, 4], spatialScale: 1, samplingRatio: 0, aligned: true });
  const feat = Float32Array.from({ length: n * h * w * c }, (_, i) => Math.cos(i * 0.37));
  const dy = Float32Array.from({ length: plan.cells * c }, (_, i) => Math.sin(i * 0.21));

  it('gather form (chunked to a few cells) equals the typed-array form, both directions', () => {
    const typedOut = applyPlanTyped(feat, c, plan);
    const typedGrad = scatterPlanTyped(dy, c, plan, n * h * w);
    // A 3-cell budget forces many chunks.
    const small = plan.width * c * 3;
    const gathered = applyPlanGather(tf.tensor2d(feat, [n * h * w, c]), plan, small);
    const scattered = scatterPlanND(tf.tensor2d(dy, [plan.cells, c]), plan, n * h * w, small);
    expectClose(gathered.dataSync(), typedOut, 'forward gather vs typed', { rtol: 1e-5, atol: 1e-6 });
    expectClose(scattered.dataSync(), typedGrad, 'backward scatterND vs typed', { rtol: 1e-5, atol: 1e-6 });
  });

  it('the plan transposed by pixel (the deterministic backward kernel\'s input) gives Sᵀ·dy in the typed form\'s order', () => {
    const pixels = n * h * w;
    const t = transposePlan(plan, pixels);
    expect(t.offsets[0]).toBe(0);
    expect(t.offsets[pixels]).toBe(Array.from(plan.weights).filter((v) => v !== 0).length);
    const grad = new Float32Array(pixels * c);
    for (let p = 0; p < pixels; p++) {
      for (let e = t.offsets[p]; e < t.offsets[p + 1]; e++) {
        if (e > t.offsets[p]) expect(t.cells[e]).toBeGreaterThanOrEqual(t.cells[e - 1]); // cell order
        for (let ch = 0; ch < c; ch++) grad[p * c + ch] += t.weights[e] * dy[t.cells[e] * c + ch];
      }
    }
    // the same additions in the same order per element as scatterPlanTyped: equal, not just close
    expect(Array.from(grad)).toEqual(Array.from(scatterPlanTyped(dy, c, plan, pixels)));
  });

  it('forward and backward are adjoint: <S·F, dy> = <F, Sᵀ·dy>', () => {
    const out = applyPlanTyped(feat, c, plan);
    const grad = scatterPlanTyped(dy, c, plan, n * h * w);
    const lhs = out.reduce((s, v, i) => s + v * dy[i], 0);
    const rhs = grad.reduce((s, v, i) => s + v * feat[i], 0);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
    expect(Math.abs(lhs)).toBeGreaterThan(0);
  });

  it('a sample count of s per bin gives weights summing to 1 inside the map', () => {
    // Roi fully inside → every cell's weights sum to 1 (bilinear weights of each sample sum to 1).
    const inside = buildRoiAlignPlan([0, 2, 2, 8, 7], [1, h, w], { outputSize: [2, 2], spatialScale: 1, samplingRatio: 2, aligned: false });
    for (let cell = 0; cell < inside.cells; cell++) {
      let sum = 0;
      for (let j = 0; j < inside.width; j++) sum += inside.weights[cell * inside.width + j];
      expect(sum).toBeCloseTo(1, 6);
    }
  });
});
