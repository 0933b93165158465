import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { DETECTORS } from '@det/registry';
import '../index';
import { selectBackend } from '../backend';
import { SingleStageDetector } from './single-stage';
import { handCheckRetinaCfg, sgdStep, syntheticBatch } from './__fixtures__/tiny';

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await selectBackend('wasm');
});

it('500 train/val/test iterations keep tf.memory().numTensors flat', async () => {
  const model = DETECTORS.build<SingleStageDetector>(handCheckRetinaCfg() as never);
  const batch = syntheticBatch(32, [[[4, 4, 20, 20]], [[10, 8, 30, 28]]], [[0], [0]]);
  const state = new Map<string, tf.Tensor>();
  let after5 = 0;
  for (let i = 0; i < 500; i++) {
    const out = await model.trainStep(batch);
    sgdStep(model.parameters(), out.grads!, state, 0.01);
    if (i % 50 === 0) {
      await model.valStep(batch);
      model.eval();
      await model.forwardTest(batch);
      model.train();
    }
    if (i === 5) after5 = tf.memory().numTensors;
  }
  expect(tf.memory().numTensors).toBe(after5);
  tf.dispose([...state.values()]);
  model.dispose();
}, 120000);
