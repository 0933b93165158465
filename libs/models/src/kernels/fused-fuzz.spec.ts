import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { selectBackend } from '../backend/select-backend';
import { fusedFuzzCases, fusedFuzzMismatches } from '../testing/fused-fuzz-cases';

// 120 seeded random cases of det's fused ops (testing/fused-fuzz-cases.ts: GroupNorm, BatchNorm,
// relu(a + b), the sigmoid / smooth L1 losses, RoIAlign), forward and gradients, on det's native
// backend and on wasm — tfjs ops (and det's native kernels) where webgpu has kernels of its own —
// against the cpu backend, within 1e-4 of each output's largest value.
const describeNative = process.env.DET_NATIVE === '0' ? describe.skip : describe;

describe('det\'s fused ops at seeded random shapes vs cpu', () => {
  afterAll(() => tf.setBackend('cpu'));

  describeNative('native', () => {
    it('120 cases agree within 1e-4', async () => {
      const backend = await selectBackend('native');
      expect(await fusedFuzzMismatches(backend, fusedFuzzCases(120), 1e-4)).toEqual([]);
    }, 120_000);
  });

  it('wasm: 120 cases agree within 1e-4', async () => {
    const backend = await selectBackend('wasm');
    tf.env().set('IS_TEST', false); // tfjs's customGrad ops trip IS_TEST's per-kernel leak check on wasm
    expect(await fusedFuzzMismatches(backend, fusedFuzzCases(120), 1e-4)).toEqual([]);
  }, 120_000);
});
