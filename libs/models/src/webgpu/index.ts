export { setupWebGpu, noAdapterError, type WebGpuSetupOptions, type WebGpuSetupResult } from './setup';
export { webgpuAdapterInfo, type WebGpuAvailability } from './adapter-probe';
export type { WebGpuAdapterInfo } from './adapter-info';
export { registerWebGpuKernels, DET_WEBGPU_KERNELS } from './kernels/register';
export { restoreWebGpuKernel, overriddenWebGpuKernels } from './kernels/kernel-override';
export { SGD_STEP_KERNEL } from './kernels/sgd-step';
