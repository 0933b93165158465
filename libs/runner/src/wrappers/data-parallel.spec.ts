import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { MODEL_WRAPPERS } from '@det/registry';
import { DataParallel, unwrapModel } from './data-parallel';
import { LinearModel } from '../__fixtures__/linear-model';

describe('DataParallel', () => {
  it('is built from MODEL_WRAPPERS and forwards every call to the wrapped model', async () => {
    await tf.setBackend('cpu');
    const model = new LinearModel();
    model.numClasses = 3;
    const wrapped = MODEL_WRAPPERS.build<DataParallel>({ type: 'DataParallel' }, { args: [model] });
    expect(wrapped).toBeInstanceOf(DataParallel);
    expect(unwrapModel(wrapped)).toBe(model);
    expect(wrapped.numClasses).toBe(3);
    expect(wrapped.parameters()).toEqual(model.parameters());
    const batch = { x: new Float32Array([1, 0, 0, 0, 1, 0]), y: new Float32Array([2, -1]) };
    const out = await wrapped.trainStep(batch);
    expect(out.numSamples).toBe(2);
    expect(Object.keys(out.grads!)).toEqual(['fc.weight', 'fc.bias']);
    tf.dispose(Object.values(out.grads!));
    expect((await wrapped.valStep(batch)).logVars.loss).toBeGreaterThan(0);
    expect(await wrapped.forwardTest(batch)).toHaveLength(2);
    wrapped.train(false);
    expect(model.training).toBe(false);
    wrapped.dispose();
  });
});
