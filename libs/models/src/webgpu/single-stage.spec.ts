import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { DETECTORS, Rng, loadConfig } from '@det/registry';
import '../index';
import { selectBackend } from '../backend';
import { SingleStageDetector } from '../detectors/single-stage';
import { setNumClasses } from '../detectors/set-num-classes';
import { sgdStep, syntheticBatch } from '../detectors/__fixtures__/tiny';
import type { DetResult } from '../detectors/types';
import { describeIfGpu, gpuSuite } from './testing/describe-if-gpu';

// det's own detectors on webgpu: training and testing must not read tensors synchronously (the
// setup turns such a read into a DetError), and must compute what a host backend computes.
// Reference: det's 'native' backend (cpu data layout, compiled kernels) — an independent
// implementation of every kernel, and fast enough for a spec.

const modelsDir = path.resolve(__dirname, '../../../../configs/_base_/models');
const ITERATIONS = 5;
// Same math in another summation order: float32 differences after a few SGD steps through
// BatchNorm-free TinyNet/FPN/head stay ~1e-5 relative; a wrong kernel or target gives O(1).
const LOSS_RTOL = 1e-3;

type WeightArrays = Record<string, { data: Float32Array | Int32Array; shape: number[]; dtype: tf.DataType }>;

function build(file: string, numClasses: number, testCfg?: Record<string, unknown>): SingleStageDetector {
  const cfg = loadConfig(path.join(modelsDir, file)) as { model: Record<string, unknown> };
  const model = setNumClasses({ ...cfg.model, ...(testCfg ? { testCfg } : {}), rng: new Rng(0) }, numClasses);
  return DETECTORS.build<SingleStageDetector>(model as never, { keyPath: 'model' });
}

async function snapshot(model: SingleStageDetector): Promise<WeightArrays> {
  const out: WeightArrays = {};
  for (const [k, t] of Object.entries(model.stateDict())) {
    out[k] = { data: (await t.data()) as Float32Array | Int32Array, shape: [...t.shape], dtype: t.dtype };
  }
  return out;
}

/** The same initial weights on whichever backend is active. */
function load(model: SingleStageDetector, weights: WeightArrays): void {
  const tensors = Object.fromEntries(Object.entries(weights).map(([k, w]) => [k, tf.tensor(w.data, w.shape, w.dtype)]));
  model.loadStateDict(tensors, { strict: true });
  tf.dispose(Object.values(tensors));
}

async function trainCurve(backend: string, weights: WeightArrays, file = 'retinanet_tiny.ts'): Promise<Record<string, number>[]> {
  await selectBackend(backend);
  const model = build(file, 2);
  load(model, weights);
  const batch = syntheticBatch(64);
  const state = new Map<string, tf.Tensor>();
  const logs: Record<string, number>[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const out = await model.trainStep(batch);
    logs.push(out.logVars);
    sgdStep(model.parameters(), out.grads!, state, 0.01);
  }
  tf.dispose([...state.values()]);
  model.dispose();
  return logs;
}

function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

describeIfGpu(gpuSuite("det's RetinaNet and FCOS on webgpu"), () => {
  let retinaWeights: WeightArrays;
  beforeAll(async () => {
    await selectBackend('native');
    const model = build('retinanet_tiny.ts', 2);
    retinaWeights = await snapshot(model);
    model.dispose();
  });

  it(`trains RetinaNet (TinyNet, 2×64×64) with the native backend's losses over ${ITERATIONS} SGD steps`, async () => {
    const native = await trainCurve('native', retinaWeights);
    await selectBackend('webgpu');
    const before = tf.memory().numTensors;
    const gpu = await trainCurve('webgpu', retinaWeights);
    expect(tf.memory().numTensors).toBe(before);
    const diffs = gpu.flatMap((g, i) => ['loss', 'loss_cls', 'loss_bbox'].map((key) => relDiff(g[key], native[i][key])));
    console.log(`RetinaNet webgpu ${gpu.map((g) => g.loss.toFixed(6)).join(' ')} | native ${native.map((g) => g.loss.toFixed(6)).join(' ')} | max rel ${Math.max(...diffs).toExponential(2)}`);
    expect(Math.max(...diffs)).toBeLessThan(LOSS_RTOL);
    expect(gpu[ITERATIONS - 1].loss).toBeLessThan(gpu[0].loss);
  }, 300_000);

  // GroupNorm's 5-D moments: tfjs-backend-webgpu tiles rank-5 tensors on the CPU (a sync read,
  // an error in Node), so their Sum/Mean gradients must not go through Tile
  it(`trains FCOS (fcos_tiny: GN head, IoU and centerness losses) with the native backend's losses over ${ITERATIONS} SGD steps`, async () => {
    await selectBackend('native');
    const init = build('fcos_tiny.ts', 2);
    const weights = await snapshot(init);
    init.dispose();
    const native = await trainCurve('native', weights, 'fcos_tiny.ts');
    await selectBackend('webgpu');
    const before = tf.memory().numTensors;
    const gpu = await trainCurve('webgpu', weights, 'fcos_tiny.ts');
    expect(tf.memory().numTensors).toBe(before);
    const diffs = gpu.flatMap((g, i) => ['loss', 'loss_cls', 'loss_bbox', 'loss_centerness'].map((key) => relDiff(g[key], native[i][key])));
    console.log(`FCOS webgpu ${gpu.map((g) => g.loss.toFixed(6)).join(' ')} | native ${native.map((g) => g.loss.toFixed(6)).join(' ')} | max rel ${Math.max(...diffs).toExponential(2)}`);
    expect(Math.max(...diffs)).toBeLessThan(LOSS_RTOL);
  }, 300_000);

  it('FCOS (fcos_tiny) forwardTest and its losses (IoU, centerness CE) match the native backend', async () => {
    // scoreThr 0 so the random-init head still returns detections to compare
    const testCfg = { nmsPre: 200, minBboxSize: 0, scoreThr: 0, nms: { type: 'nms', iouThreshold: 0.5 }, maxPerImg: 20 };
    const batch = syntheticBatch(64);
    const run = async (backend: string, weights?: WeightArrays) => {
      await selectBackend(backend);
      const model = build('fcos_tiny.ts', 2, testCfg);
      if (weights) load(model, weights);
      const own = weights ?? (await snapshot(model));
      model.train(false);
      const before = tf.memory().numTensors;
      const dets = await model.forwardTest(batch, { rescale: true });
      const val = await model.valStep(batch);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
      return { dets, losses: val.logVars, weights: own };
    };
    const native = await run('native');
    const gpu = await run('webgpu', native.weights);
    for (const key of ['loss_cls', 'loss_bbox', 'loss_centerness']) expect(relDiff(gpu.losses[key], native.losses[key])).toBeLessThan(LOSS_RTOL);
    expect(gpu.dets).toHaveLength(2);
    gpu.dets.forEach((d: DetResult, i: number) => {
      const ref = native.dets[i];
      expect(d.scores.length).toBe(ref.scores.length);
      expect(d.scores.length).toBeGreaterThan(0);
      // detections are sorted by score; near-ties may swap, so compare the sorted score lists and
      // require every gpu box to have a same-label native box within 0.05 px
      const sorted = (s: Float32Array) => Array.from(s).sort((a, b) => b - a);
      sorted(d.scores).forEach((s, j) => expect(Math.abs(s - sorted(ref.scores)[j])).toBeLessThan(1e-4));
      for (let j = 0; j < d.scores.length; j++) {
        const box = d.bboxes.subarray(j * 4, j * 4 + 4);
        let best = Infinity;
        for (let r = 0; r < ref.scores.length; r++) {
          if (ref.labels[r] !== d.labels[j]) continue;
          best = Math.min(best, Math.max(...Array.from(box, (v, k) => Math.abs(v - ref.bboxes[r * 4 + k]))));
        }
        expect(best).toBeLessThan(0.05);
      }
    });
  }, 300_000);
});
