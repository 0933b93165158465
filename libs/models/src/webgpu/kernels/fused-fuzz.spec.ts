import '@tensorflow/tfjs-backend-cpu';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { selectBackend } from '../../backend/select-backend';
import { fusedFuzzCases, fusedFuzzMismatches } from '../../testing/fused-fuzz-cases';

// 120 seeded random cases of det's fused ops (testing/fused-fuzz-cases.ts: GroupNorm, BatchNorm,
// relu(a + b), focal / BCE / smooth L1 / L1 losses, RoIAlign) on webgpu — det's own kernels —
// against the same functions as tfjs ops on cpu, forward and gradients, within 1e-4.
describeIfGpu(gpuSuite('det\'s fused ops at seeded random shapes on webgpu vs cpu'), () => {
  it('120 cases agree within 1e-4', async () => {
    const backend = await selectBackend('webgpu');
    expect(await fusedFuzzMismatches(backend, fusedFuzzCases(120), 1e-4)).toEqual([]);
  }, 600_000);
});
