import { throwIfWebGpuFailed } from './device-errors';
import { tuneQueuedKernels } from './tuning/tune-between-steps';
import { releaseIdleGpuBuffers } from './buffer-pool';

/**
 * What a detector does after each training, validation or test step, once it has awaited the
 * step's results (the first place where waiting for the GPU is allowed). A no-op off webgpu.
 */
export async function endWebGpuStep(): Promise<void> {
  throwIfWebGpuFailed(); // a WebGPU error in this step (a dropped dispatch) must not train on
  await tuneQueuedKernels(); // kernel tuning, when on: the shapes this step met first
  releaseIdleGpuBuffers(); // buffers of sizes no longer met (varying shapes) go
}
