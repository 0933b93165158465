import '@tensorflow/tfjs-backend-cpu';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { selectBackend } from '../../backend/select-backend';
import { shapeOpFuzzCases, shapeOpFuzzMismatches } from '../../testing/shape-op-fuzz-cases';

// 150 seeded shape, softmax and math op cases (testing/shape-op-fuzz-cases.ts: concat, slice,
// pad, tile, reverse, softmax, clip, pow, cumsum, bilinear resize; forward and gradients) on
// webgpu against cpu within 1e-4. It found tfjs-backend-webgpu's reverse cumsum (and so every
// cumsum gradient) and its bilinear-resize gradient wrong: det's kernels replace both.
describeIfGpu(gpuSuite('shape, softmax and math ops at seeded random shapes on webgpu vs cpu'), () => {
  it('150 cases agree within 1e-4', async () => {
    const backend = await selectBackend('webgpu');
    expect(await shapeOpFuzzMismatches(backend, shapeOpFuzzCases(150), 1e-4)).toEqual([]);
  }, 300_000);
});
