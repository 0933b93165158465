import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { selectBackend } from '../backend/select-backend';
import { opFuzzCases, opFuzzMismatches } from '../testing/op-fuzz-cases';

// 200 seeded random cases of pooling, matMul, reductions, broadcasting binary ops, transposes,
// resizes and unary ops (testing/op-fuzz-cases.ts), forward and gradient, on det's native backend
// and on wasm (with det's fixes) against the cpu backend (with det's resize-gradient fix; the
// backend selection installs it), within 1e-4 of each output's largest value.
const describeNative = process.env.DET_NATIVE === '0' ? describe.skip : describe;

describe('ops of seeded random shapes vs cpu', () => {
  afterAll(() => tf.setBackend('cpu'));

  describeNative('native', () => {
    it('200 cases agree within 1e-4', async () => {
      const backend = await selectBackend('native');
      expect(await opFuzzMismatches(backend, opFuzzCases(200), 1e-4)).toEqual([]);
    }, 120_000);
  });

  it('wasm: 200 cases agree within 1e-4', async () => {
    const backend = await selectBackend('wasm');
    tf.env().set('IS_TEST', false); // tfjs's customGrad ops trip IS_TEST's per-kernel leak check on wasm
    expect(await opFuzzMismatches(backend, opFuzzCases(200), 1e-4)).toEqual([]);
  }, 120_000);
});
