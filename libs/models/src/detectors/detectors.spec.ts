import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { DETECTORS } from '@det/registry';
import '../index';
import { selectBackend } from '../backend';
import { SingleStageDetector } from './single-stage';
import { sgdStep, syntheticBatch, tinyFcosCfg, tinyRetinaCfg } from './__fixtures__/tiny';

// Training runs on wasm with det's conv filter-gradient kernel (~0.1 s a step here; cpu takes ~10 s).
beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await selectBackend('wasm');
});

async function trainLosses(cfg: Record<string, unknown>, steps: number, lr: number): Promise<{ losses: number[]; logVars: Record<string, number> }> {
  const model = DETECTORS.build<SingleStageDetector>(cfg as never);
  const batch = syntheticBatch();
  const state = new Map<string, tf.Tensor>();
  const losses: number[] = [];
  let logVars: Record<string, number> = {};
  for (let i = 0; i < steps; i++) {
    const out = await model.trainStep(batch);
    losses.push(out.loss);
    logVars = out.logVars;
    expect(out.numSamples).toBe(2);
    sgdStep(model.parameters(), out.grads!, state, lr);
  }
  if (process.env.DET_PRINT_LOSSES) console.log(losses.map((l) => l.toFixed(3)).join(' '));
  tf.dispose([...state.values()]);
  model.dispose();
  return { losses, logVars };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('single-stage detectors train', () => {
  it('RetinaNet (TinyNet + FPN): loss decreases over 30 SGD steps on a fixed synthetic batch', async () => {
    const { losses, logVars } = await trainLosses(tinyRetinaCfg(), 30, 0.02);
    expect(Object.keys(logVars).sort()).toEqual(['loss', 'loss_bbox', 'loss_cls']);
    expect(logVars.loss).toBeCloseTo(logVars.loss_cls + logVars.loss_bbox, 4);
    losses.forEach((l) => expect(Number.isFinite(l)).toBe(true));
    expect(mean(losses.slice(-5))).toBeLessThan(0.6 * mean(losses.slice(0, 5)));
  });

  it('FCOS (GN head, centre sampling, normOnBbox): loss decreases over 30 SGD steps', async () => {
    const { losses, logVars } = await trainLosses(tinyFcosCfg(), 30, 0.05);
    expect(Object.keys(logVars).sort()).toEqual(['loss', 'loss_bbox', 'loss_centerness', 'loss_cls']);
    losses.forEach((l) => expect(Number.isFinite(l)).toBe(true));
    expect(mean(losses.slice(-5))).toBeLessThan(0.8 * mean(losses.slice(0, 5)));
  });
});

describe('images without objects', () => {
  it.each([
    ['RetinaNet', tinyRetinaCfg],
    ['FCOS', tinyFcosCfg],
  ])('%s: an all-background batch gives a finite classification loss, zero box losses and a gradient for every parameter', async (_name, makeCfg) => {
    const model = DETECTORS.build<SingleStageDetector>(makeCfg() as never);
    const batch = syntheticBatch(64, [[], []], [[], []]);
    const out = await model.trainStep(batch);
    expect(Number.isFinite(out.logVars.loss_cls)).toBe(true);
    expect(out.logVars.loss_cls).toBeGreaterThan(0);
    expect(out.logVars.loss_bbox).toBe(0);
    expect(Object.keys(out.grads!).sort()).toEqual(Object.keys(model.parameters()).sort());
    tf.dispose(Object.values(out.grads!));
    model.dispose();
  });
});

describe('loss variants', () => {
  it('RetinaHead with decoded-box GIoU, FCOSHead with IoU (log) and a sampled softmax AnchorHead train a step', async () => {
    const retina = tinyRetinaCfg();
    const retinaHead = { ...(retina.bboxHead as object), regDecodedBbox: true, lossBbox: { type: 'GIoULoss', lossWeight: 2 } };
    const fcos = tinyFcosCfg();
    const fcosHead = { ...(fcos.bboxHead as object), lossBbox: { type: 'IoULoss', lossWeight: 1 }, normOnBbox: false, centerSampling: false, centernessOnReg: false };
    // plain AnchorHead (1×1 convs) with a softmax CE classifier: sampled anchors (RandomSampler), avgFactor pos + neg
    const anchorHead = {
      type: 'AnchorHead', numClasses: 2, inChannels: 8,
      anchorGenerator: { type: 'AnchorGenerator', scales: [4], ratios: [1], strides: [4, 8] },
      lossCls: { type: 'CrossEntropyLoss', useSigmoid: false, lossWeight: 1 },
      lossBbox: { type: 'L1Loss', lossWeight: 1 },
    };
    const sampled = { ...retina, bboxHead: anchorHead, trainCfg: { ...(retina.trainCfg as object), sampler: { type: 'RandomSampler', num: 32, posFraction: 0.5, negPosUb: -1, addGtAsProposals: false } } };
    // tfjs's own leak check (IS_TEST) flags tf.logSoftmax on wasm (1 data id per call): off for this case
    tf.env().set('IS_TEST', false);
    for (const cfg of [{ ...retina, bboxHead: retinaHead }, { ...fcos, bboxHead: fcosHead }, sampled]) {
      const model = DETECTORS.build<SingleStageDetector>(cfg as never);
      const out = await model.trainStep(syntheticBatch());
      expect(out.logVars.loss_bbox).toBeGreaterThan(0);
      expect(Number.isFinite(out.loss)).toBe(true);
      expect(Object.keys(out.grads!).length).toBe(Object.keys(model.parameters()).length);
      tf.dispose(Object.values(out.grads!));
      model.dispose();
    }
    tf.env().set('IS_TEST', true);
  });
});
