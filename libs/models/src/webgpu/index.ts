export { setupWebGpu, noAdapterError, autotuneFromEnv, type WebGpuSetupOptions, type WebGpuSetupResult } from './setup';
export { webgpuAdapterInfo, type WebGpuAvailability } from './adapter-probe';
export type { WebGpuAdapterInfo } from './adapter-info';
export { registerWebGpuKernels, DET_WEBGPU_KERNELS } from './kernels/register';
export { restoreWebGpuKernel, overriddenWebGpuKernels } from './kernels/kernel-override';
export { SGD_STEP_KERNEL } from './kernels/sgd-step';
export {
  setKernelTuning, kernelTuningEnabled, kernelTuningResults, tunePendingKernels, hasPendingTuning, resetKernelTuning,
  type TuningResult,
} from './tuning/kernel-tuner';
export { tuneQueuedKernels, useTuningCache } from './tuning/tune-between-steps';
export { activeMatrixUnit, setActiveMatrixUnit, convPrecisionFromEnv, type ConvPrecision } from './conv-precision';
export { checkMatrixUnits, matrixUnitOutputChecks } from './matrix-unit-check';
export { throwIfWebGpuFailed, watchDeviceErrors, type ErrorReportingDevice } from './device-errors';
export type { MatrixUnit } from './kernels/subgroup-matrix-wgsl';
