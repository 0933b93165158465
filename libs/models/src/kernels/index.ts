export { loadNativeAddon, nativeBuildDir, type NativeAddon, type NativeLoad } from './native-addon';
export { NATIVE_BACKEND, registerNativeBackend, nativeKernelNames } from './native-backend';
export { registerWasmGradientKernels } from './wasm-conv-backprop-filter';
export { foldBatchNorm, convBiasRelu } from './fold-batchnorm';
export { BATCH_NORM_GRAD_KERNEL, installBatchNormGradient } from './native-batchnorm';
