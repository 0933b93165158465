import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon';
import { allocateF32 } from './buffer-pool';
import { convGeometry, nhwcConvInfo } from './conv-geometry';
import { type CpuKernelFunc, type FallbackLookup, f32, sizeOf } from './cpu-tensors';

/** Activation codes the addon's conv epilogue understands. */
const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4 };

/** Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter and FusedConv2D on the addon's implicit GEMM. */
export function nativeConvKernels(addon: NativeAddon, fallback: FallbackLookup): tf.KernelConfig[] {
  const conv2d: CpuKernelFunc = (args) => {
    const { inputs: { x, filter }, backend, attrs = {} } = args;
    const info = nhwcConvInfo(x.shape, filter.shape, attrs.strides as number, attrs.dilations as number,
      attrs.pad, attrs.dimRoundingMode, attrs.dataFormat as string);
    const xv = f32(backend, x), wv = f32(backend, filter);
    if (!info || !xv || !wv) return fallback(tf.Conv2D)(args);
    const y = allocateF32(backend, sizeOf(info.outShape));
    addon.conv2dForward(convGeometry(info), xv, wv, null, 0, 0, y);
    return backend.makeTensorInfo(info.outShape, 'float32', y);
  };

  const fusedConv2d: CpuKernelFunc = (args) => {
    const { inputs: { x, filter, bias, preluActivationWeights }, backend, attrs = {} } = args;
    const activation = ACTIVATIONS[(attrs.activation as string) ?? 'linear'];
    const info = nhwcConvInfo(x.shape, filter.shape, attrs.strides as number, attrs.dilations as number,
      attrs.pad, attrs.dimRoundingMode, attrs.dataFormat as string);
    const xv = f32(backend, x), wv = f32(backend, filter);
    let bv = bias ? f32(backend, bias) : null;
    if (bv && info && bv.length === 1 && info.outChannels !== 1) bv = new Float32Array(info.outChannels).fill(bv[0]);
    const biasOk = bias == null || (bv != null && info != null && bv.length === info.outChannels);
    if (!info || !xv || !wv || activation === undefined || preluActivationWeights || !biasOk) {
      return fallback(tf.FusedConv2D)(args);
    }
    const y = allocateF32(backend, sizeOf(info.outShape));
    addon.conv2dForward(convGeometry(info), xv, wv, bv ?? null, activation, Number(attrs.leakyreluAlpha ?? 0.2), y);
    return backend.makeTensorInfo(info.outShape, 'float32', y);
  };

  const backpropInput: CpuKernelFunc = (args) => {
    const { inputs: { dy, filter }, backend, attrs = {} } = args;
    const inputShape = attrs.inputShape as number[];
    const info = nhwcConvInfo(inputShape, filter.shape, attrs.strides as number, 1, attrs.pad,
      attrs.dimRoundingMode, attrs.dataFormat as string);
    const dyv = f32(backend, dy), wv = f32(backend, filter);
    if (!info || !dyv || !wv) return fallback(tf.Conv2DBackpropInput)(args);
    const dx = allocateF32(backend, sizeOf(inputShape));
    addon.conv2dBackpropInput(convGeometry(info), dyv, wv, dx);
    return backend.makeTensorInfo(inputShape, 'float32', dx);
  };

  const backpropFilter: CpuKernelFunc = (args) => {
    const { inputs: { x, dy }, backend, attrs = {} } = args;
    const filterShape = attrs.filterShape as number[];
    const info = nhwcConvInfo(x.shape, filterShape, attrs.strides as number, 1, attrs.pad,
      attrs.dimRoundingMode, attrs.dataFormat as string);
    const xv = f32(backend, x), dyv = f32(backend, dy);
    if (!info || !xv || !dyv) return fallback(tf.Conv2DBackpropFilter)(args);
    const dw = allocateF32(backend, sizeOf(filterShape));
    addon.conv2dBackpropFilter(convGeometry(info), xv, dyv, dw);
    return backend.makeTensorInfo(filterShape, 'float32', dw);
  };

  return [
    { kernelName: tf.Conv2D, backendName: '', kernelFunc: conv2d as unknown as tf.KernelFunc },
    { kernelName: tf.FusedConv2D, backendName: '', kernelFunc: fusedConv2d as unknown as tf.KernelFunc },
    { kernelName: tf.Conv2DBackpropInput, backendName: '', kernelFunc: backpropInput as unknown as tf.KernelFunc },
    { kernelName: tf.Conv2DBackpropFilter, backendName: '', kernelFunc: backpropFilter as unknown as tf.KernelFunc },
  ];
}

