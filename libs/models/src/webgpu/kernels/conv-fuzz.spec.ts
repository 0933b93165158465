import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { setupWebGpu } from '../setup';
import { convFuzzCases, convFuzzMismatches } from '../../testing/conv-fuzz-cases';

// 50 convolutions of seeded random shapes (testing/conv-fuzz-cases.ts; CI runs 100 on native and
// wasm) on webgpu — det's kernels,
// whichever variant each shape picks — against cpu: forward, dx, dW, db within 1e-3 of each
// output's largest value (float32 sums in another order; an indexing slip gives O(1)). Each shape
// compiles its own shaders; lavapipe's JIT memory per worker is what bounds the count.
describeIfGpu(gpuSuite('convolutions of seeded random shapes on webgpu vs cpu (forward, dx, dW, db)'), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  it('50 shapes agree within 1e-3', async () => {
    expect(await convFuzzMismatches('webgpu', convFuzzCases(50), 1e-3)).toEqual([]);
  }, 300_000);
});
