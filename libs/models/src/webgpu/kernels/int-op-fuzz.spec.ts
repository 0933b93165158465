import '@tensorflow/tfjs-backend-cpu';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { selectBackend } from '../../backend/select-backend';
import { intOpFuzzCases, intOpFuzzMismatches } from '../../testing/int-op-fuzz-cases';

// 200 seeded integer, boolean and rounding op cases (testing/int-op-fuzz-cases.ts: casts,
// rounding ties, argMax, comparisons, where, oneHot, gathers, int arithmetic, top-k, int
// reductions) on webgpu against cpu, exactly (CI runs them on native and wasm).
describeIfGpu(gpuSuite('integer and boolean ops at seeded random shapes on webgpu vs cpu'), () => {
  it('200 cases agree exactly', async () => {
    const backend = await selectBackend('webgpu');
    expect(await intOpFuzzMismatches(backend, intOpFuzzCases(200))).toEqual([]);
  }, 300_000);
});
