import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { DETECTORS, loadConfig, setGlobalSeed } from '@det/registry';
import '../index';
import { selectBackend } from '../backend';
import { setNumClasses } from '../detectors/set-num-classes';
import { sgdStep, syntheticBatch } from '../detectors/__fixtures__/tiny';
import type { DetResult } from '../detectors/types';
import type { FasterRCNN } from '../two-stage/two-stage-detector';
import { describeIfGpu, gpuSuite } from './testing/describe-if-gpu';

// Faster R-CNN on webgpu: RPN proposals, RoI sampling, RoIAlign and the box head's post-processing
// must not read tensors synchronously (the webgpu setup turns such a read into a DetError) and
// must find what det's 'native' backend (an independent kernel implementation) finds.

const configFile = path.resolve(__dirname, '../../../../configs/faster_rcnn/faster_rcnn_tiny_synthetic.ts');
const TRAIN_STEPS = 15;

type WeightArrays = Record<string, { data: Float32Array | Int32Array; shape: number[]; dtype: tf.DataType }>;

async function build(): Promise<FasterRCNN> {
  // CI size; scoreThr 0.1 / maxPerImg 20 keep the comparison to clearly scored detections
  const cfg = await loadConfig(configFile, {
    cfgOptions: [
      'model.trainCfg.rpnProposal.nmsPre=100', 'model.trainCfg.rpnProposal.maxPerImg=30', 'model.trainCfg.rpn.sampler.num=64',
      'model.testCfg.rpn.nmsPre=100', 'model.testCfg.rpn.maxPerImg=30', 'model.testCfg.rcnn.scoreThr=0.1', 'model.testCfg.rcnn.maxPerImg=20',
    ],
  });
  return DETECTORS.build<FasterRCNN>(setNumClasses(cfg.model as Record<string, unknown>, 8) as never, { keyPath: 'model' });
}

async function snapshot(model: FasterRCNN): Promise<WeightArrays> {
  const out: WeightArrays = {};
  for (const [k, t] of Object.entries(model.stateDict())) {
    out[k] = { data: (await t.data()) as Float32Array | Int32Array, shape: [...t.shape], dtype: t.dtype };
  }
  return out;
}

function load(model: FasterRCNN, weights: WeightArrays): void {
  const tensors = Object.fromEntries(Object.entries(weights).map(([k, w]) => [k, tf.tensor(w.data, w.shape, w.dtype)]));
  model.loadStateDict(tensors, { strict: true });
  tf.dispose(Object.values(tensors));
}

const image = () => syntheticBatch(64, [[[8, 10, 40, 44], [34, 30, 60, 58]]], [[2, 5]]);

describeIfGpu(gpuSuite("det's Faster R-CNN on webgpu"), () => {
  let trained: WeightArrays;
  beforeAll(async () => {
    // a few native SGD steps first: at initialisation every class scores ~1/9, and near-ties
    // would make the comparison depend on float32 summation order rather than on the kernels
    await selectBackend('native');
    setGlobalSeed(0);
    const model = await build();
    const batch = image();
    const state = new Map<string, tf.Tensor>();
    for (let i = 0; i < TRAIN_STEPS; i++) {
      const out = await model.trainStep(batch);
      sgdStep(model.parameters(), out.grads!, state, 0.005);
    }
    trained = await snapshot(model);
    tf.dispose([...state.values()]);
    model.dispose();
  }, 120_000);

  it('forwardTest (one 64×64 image) finds the native backend\'s detections: same count, boxes within 0.05 px, scores within 1e-4', async () => {
    const run = async (backend: string): Promise<DetResult[]> => {
      await selectBackend(backend);
      const model = await build();
      load(model, trained);
      model.train(false);
      const before = tf.memory().numTensors;
      const dets = await model.forwardTest(image(), { rescale: true });
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
      return dets;
    };
    const native = await run('native');
    const gpu = await run('webgpu');
    expect(gpu).toHaveLength(1);
    const [d, ref] = [gpu[0], native[0]];
    console.log(`Faster R-CNN webgpu ${d.scores.length} detections, top ${Array.from(d.scores.slice(0, 3), (s) => s.toFixed(4)).join(' ')} | native ${ref.scores.length}, top ${Array.from(ref.scores.slice(0, 3), (s) => s.toFixed(4)).join(' ')}`);
    expect(ref.scores.length).toBeGreaterThan(0);
    expect(d.scores.length).toBe(ref.scores.length);
    // near-ties may swap places: compare sorted scores, and find each gpu box among the native
    // boxes of its label
    const sorted = (s: Float32Array) => Array.from(s).sort((a, b) => b - a);
    const refSorted = sorted(ref.scores);
    sorted(d.scores).forEach((s, j) => expect(Math.abs(s - refSorted[j])).toBeLessThan(1e-4));
    for (let j = 0; j < d.scores.length; j++) {
      const box = d.bboxes.subarray(j * 4, j * 4 + 4);
      let best = Infinity;
      for (let r = 0; r < ref.scores.length; r++) {
        if (ref.labels[r] !== d.labels[j]) continue;
        best = Math.min(best, Math.max(...Array.from(box, (v, k) => Math.abs(v - ref.bboxes[r * 4 + k]))));
      }
      expect(best).toBeLessThan(0.05);
    }
  }, 300_000);

  it('trainStep (proposals read before the gradient scope) gives the native backend\'s losses within 1e-3 relative and BatchNorm running averages within 1e-4', async () => {
    const run = async (backend: string): Promise<{ logVars: Record<string, number>; buffers: Record<string, Float32Array | Int32Array> }> => {
      await selectBackend(backend);
      const model = await build();
      load(model, trained);
      // the samplers draw from the global Rng: the same draws on both backends
      setGlobalSeed(1);
      const before = tf.memory().numTensors;
      const out = await model.trainStep(image());
      tf.dispose(Object.values(out.grads!));
      expect(tf.memory().numTensors).toBe(before);
      // BatchNorm running averages after the step (webgpu's extra proposal pass must not update them)
      const buffers: Record<string, Float32Array | Int32Array> = {};
      for (const [k, t] of model.namedBuffers()) buffers[k] = (await t.data()) as Float32Array | Int32Array;
      model.dispose();
      return { logVars: out.logVars, buffers };
    };
    const nativeRun = await run('native');
    const gpuRun = await run('webgpu');
    const [native, gpu] = [nativeRun.logVars, gpuRun.logVars];
    const bufferKeys = Object.keys(nativeRun.buffers);
    expect(bufferKeys.some((k) => k.endsWith('running_mean'))).toBe(true);
    for (const k of bufferKeys) {
      const [g, n] = [gpuRun.buffers[k], nativeRun.buffers[k]];
      const scale = Math.max(...Array.from(n, Math.abs), 1e-6);
      expect(Math.max(...Array.from(g, (v, i) => Math.abs(v - n[i]))) / scale).toBeLessThan(1e-4);
    }
    const keys = ['loss', 'loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox', 'acc'];
    const rel = keys.map((k) => Math.abs(gpu[k] - native[k]) / Math.max(Math.abs(native[k]), 1e-12));
    console.log(`Faster R-CNN trainStep webgpu ${keys.map((k) => `${k} ${gpu[k].toFixed(6)}`).join(' ')} | native loss ${native.loss.toFixed(6)} | max rel ${Math.max(...rel).toExponential(2)}`);
    keys.forEach((k) => expect(Number.isFinite(native[k])).toBe(true));
    expect(native.loss_bbox).toBeGreaterThan(0);
    expect(Math.max(...rel)).toBeLessThan(1e-3);
  }, 300_000);
});
