// AnchorHead leaves the box loss of levels without positives out (their zero terms only cost a
// backward pass through the box branch). On the cpu backend: the loss and every parameter's
// gradient are exactly those with a zero term sum(bboxPreds[l])·0 for every level (adding exact
// zeros), and every trainable parameter still receives a gradient, with or without positives.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { DETECTORS } from '@det/registry';
import '../index';
import { SingleStageDetector } from '../detectors/single-stage';
import { syntheticBatch, tinyRetinaCfg } from '../detectors/__fixtures__/tiny';
import type { DetBatch } from '../detectors/types';

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
});

type Result = { value: number; grads: Record<string, Float32Array>; filterGrads: number };

function lossAndGrads(model: SingleStageDetector, batch: DetBatch, zeroTerms: boolean): Result {
  const params = Object.values(model.parameters());
  const img = tf.tensor4d(batch.img.data, batch.img.shape);
  // conv filter gradients run: fewer when a level's box branch needs no backward pass
  let filterGrads = 0;
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const runKernel = engine.runKernel;
  engine.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
    if (name === tf.Conv2DBackpropFilter) filterGrads++;
    return runKernel.call(this, name, ...rest);
  };
  const { value, grads } = tf.variableGrads(() => {
    const outs = model.bboxHead.forward(model.extractFeat(img));
    const losses = model.bboxHead.loss(outs, batch);
    let total: tf.Tensor = tf.add(losses.loss_cls, losses.loss_bbox);
    if (zeroTerms) for (const p of outs.bboxPreds) total = tf.add(total, tf.mul(tf.sum(p), 0));
    return total as tf.Scalar;
  }, params);
  engine.runKernel = runKernel;
  const out = { value: value.dataSync()[0], grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array])), filterGrads };
  tf.dispose([img, value, ...Object.values(grads)]);
  return out;
}

describe('AnchorHead: box loss of levels without positives', () => {
  // strides 4 and 8 with 16 and 32 px anchors: a 16 px box matches level 0 only; no box, no level
  // box branch per level: stackedConvs 1 + retina_reg = 2 filter gradients skipped per empty level
  const cases: [string, DetBatch, number][] = [
    ['positives on level 0 only', syntheticBatch(64, [[[8, 8, 24, 24]]], [[0]]), 2],
    ['no positives at all', syntheticBatch(64, [[]], [[]]), 2],
  ];
  for (const [name, batch, skipped] of cases) {
    it(`${name}: same loss and gradients as with every level's zero term; every parameter has a gradient`, () => {
      const model = DETECTORS.build<SingleStageDetector>(tinyRetinaCfg() as never);
      model.train(true);
      const before = tf.memory().numTensors;
      const fast = lossAndGrads(model, batch, false);
      const reference = lossAndGrads(model, batch, true);
      expect(tf.memory().numTensors).toBe(before);
      expect(fast.value).toBe(reference.value);
      expect(Object.keys(fast.grads).sort()).toEqual(Object.keys(reference.grads).sort());
      expect(Object.keys(fast.grads).length).toBe(Object.keys(model.parameters()).length);
      for (const [k, g] of Object.entries(reference.grads)) expect(Array.from(fast.grads[k])).toEqual(Array.from(g));
      expect(reference.filterGrads - fast.filterGrads).toBe(skipped);
      model.dispose();
    });
  }
});
