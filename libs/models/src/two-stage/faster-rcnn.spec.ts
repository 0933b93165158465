import * as tf from '@tensorflow/tfjs-core';
import * as path from 'node:path';
import { DETECTORS, loadConfig, setGlobalSeed } from '@det/registry';
import '../index';
import { FasterRCNN } from './two-stage-detector';
import { tinyFasterRcnnCfg } from './__fixtures__/tiny-faster-rcnn';
import { sgdStep, syntheticBatch } from '../detectors/__fixtures__/tiny';

import { useTrainingBackend } from './__fixtures__/training-backend';
import { setNumClasses } from '../detectors/set-num-classes'; // numClasses comes from the dataset (8 synthetic classes)

let backend = '';
beforeAll(async () => {
  backend = await useTrainingBackend();
});

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('FasterRCNN (tiny)', () => {
  it('trains: loss terms as MMDetection, finite, decreasing over 20 SGD steps; no tensor leak', async () => {
    const model = DETECTORS.build<FasterRCNN>(tinyFasterRcnnCfg() as never);
    const batch = syntheticBatch();
    const state = new Map<string, tf.Tensor>();
    const losses: number[] = [];
    let logVars: Record<string, number> = {};
    const t0 = Date.now();
    let tensorsAfterFirst = 0;
    for (let i = 0; i < 20; i++) {
      const out = await model.trainStep(batch);
      losses.push(out.loss);
      logVars = out.logVars;
      expect(Object.keys(out.grads!).sort()).toEqual(Object.keys(model.parameters()).sort());
      sgdStep(model.parameters(), out.grads!, state, 0.02);
      if (i === 0) tensorsAfterFirst = tf.memory().numTensors;
    }
    console.log(`tiny FasterRCNN (${backend}): 20 steps in ${((Date.now() - t0) / 1000).toFixed(1)} s, loss ${losses[0].toFixed(3)} → ${losses[19].toFixed(3)}`);
    expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    expect(Object.keys(logVars).sort()).toEqual(['acc', 'loss', 'loss_bbox', 'loss_cls', 'loss_rpn_bbox', 'loss_rpn_cls']);
    expect(logVars.loss).toBeCloseTo(logVars.loss_rpn_cls + logVars.loss_rpn_bbox + logVars.loss_cls + logVars.loss_bbox, 4);
    expect(logVars.acc).toBeGreaterThanOrEqual(0);
    expect(logVars.acc).toBeLessThanOrEqual(100);
    losses.forEach((l) => expect(Number.isFinite(l)).toBe(true));
    expect(mean(losses.slice(-5))).toBeLessThan(0.7 * mean(losses.slice(0, 5)));
    const [res] = await model.forwardTest({ ...batch, imgMetas: batch.imgMetas.slice(0, 1), img: { data: batch.img.data.slice(0, 64 * 64 * 3), shape: [1, 64, 64, 3] } });
    expect(res.scores.length).toBeLessThanOrEqual(20);
    expect(res.bboxes.length).toBe(res.scores.length * 4);
    tf.dispose([...state.values()]);
    model.dispose();
  });
});

describe('FasterRCNN edge cases', () => {
  it('an image without objects trains (all RoIs negative) and valStep reports the same loss terms', async () => {
    const model = DETECTORS.build<FasterRCNN>(tinyFasterRcnnCfg() as never);
    const batch = syntheticBatch(64, [[[8, 8, 32, 32]], []], [[0], []]);
    const out = await model.trainStep(batch);
    expect(Number.isFinite(out.loss)).toBe(true);
    Object.values(out.grads!).forEach((g) => expect(g.dataSync().every(Number.isFinite)).toBe(true));
    tf.dispose(Object.values(out.grads!));
    const val = await model.valStep(batch);
    expect(Object.keys(val.logVars).sort()).toEqual(Object.keys(out.logVars).sort());
    expect(val.grads).toBeUndefined();
    model.dispose();
  });
});

describe('configs/faster_rcnn/faster_rcnn_tiny_synthetic.ts in CI size', () => {
  it('its model trains on two 64×64 synthetic images: 20 SGD steps, loss decreasing', async () => {
    // CI size: the config's model as is, fewer proposals, tiny images
    const cfg = await loadConfig(path.resolve(__dirname, '../../../../configs/faster_rcnn/faster_rcnn_tiny_synthetic.ts'), {
      cfgOptions: ['model.trainCfg.rpnProposal.nmsPre=100', 'model.trainCfg.rpnProposal.maxPerImg=30', 'model.trainCfg.rpn.sampler.num=64'],
    });
    setGlobalSeed(0);
    const model = DETECTORS.build<FasterRCNN>(setNumClasses(cfg.model as Record<string, unknown>, 8) as never, { keyPath: 'model' });
    const batch = syntheticBatch(64, [[[8, 10, 40, 44]], [[30, 20, 60, 52], [4, 30, 28, 60]]], [[2], [1, 0]]);
    const state = new Map<string, tf.Tensor>();
    const losses: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) {
      const out = await model.trainStep(batch);
      losses.push(out.loss);
      // a small step: the config's warm-up and gradient clipping are not applied here
      sgdStep(model.parameters(), out.grads!, state, 0.005);
    }
    console.log(`faster_rcnn_tiny_synthetic (${backend}): 20 steps in ${((Date.now() - t0) / 1000).toFixed(1)} s, losses ${losses.map((l) => l.toFixed(2)).join(' ')}`);
    losses.forEach((l) => expect(Number.isFinite(l)).toBe(true));
    expect(mean(losses.slice(-5))).toBeLessThan(0.7 * mean(losses.slice(0, 5)));
    tf.dispose([...state.values()]);
    model.dispose();
  });
});
