import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureGradients } from '../backend/gradients';
import { selectBackend } from '../backend/select-backend';
import { convFuzzCases, convFuzzMismatches } from '../testing/conv-fuzz-cases';

// 100 convolutions of seeded random shapes (testing/conv-fuzz-cases.ts) on det's native backend
// and on wasm (with det's kernel fixes) against the stock cpu backend: forward, dx, dW, db within
// 1e-4 of each output's largest value. It found the native SIGFPE and three wasm faults.
const describeNative = process.env.DET_NATIVE === '0' ? describe.skip : describe;

describe('convolutions of seeded random shapes vs cpu', () => {
  beforeAll(() => {
    ensureGradients();
    // tfjs's fused-conv gradient (a customGrad that saves tensors) trips IS_TEST's per-kernel leak check on wasm
    tf.env().set('IS_TEST', false);
  });
  afterAll(() => tf.setBackend('cpu'));

  describeNative('native', () => {
    it('100 shapes agree within 1e-4', async () => {
      const backend = await selectBackend('native');
      expect(await convFuzzMismatches(backend, convFuzzCases(100), 1e-4)).toEqual([]);
    }, 120_000);
  });

  it('wasm: 100 shapes agree within 1e-4', async () => {
    const backend = await selectBackend('wasm');
    expect(await convFuzzMismatches(backend, convFuzzCases(100), 1e-4)).toEqual([]);
  }, 120_000);
});
