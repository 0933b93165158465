import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon';
import { allocateF32 } from './buffer-pool';
import { convGeometry } from './conv-geometry';
import { type CpuKernelFunc, type FallbackLookup, f32, sizeOf } from './cpu-tensors';
import { nearestSources } from './nearest-sources';

/**
 * MaxPool/MaxPoolGrad (NHWC; e.g. the ResNet stem; tfjs's tie rule: first maximum in scan order) and
 * AvgPool/AvgPoolGrad (e.g. det's ×2 upsample gradient), with tfjs's padding conventions, and
 * ResizeNearestNeighbor (FPN upsampling).
 */
export function nativePoolKernels(addon: NativeAddon, fallback: FallbackLookup): tf.KernelConfig[] {
  const info = (shape: number[], attrs: tf.NamedAttrMap) => tf.backend_util.computePool2DInfo(
    shape as [number, number, number, number], attrs.filterSize as [number, number], attrs.strides as [number, number],
    1, attrs.pad as 'same', attrs.dimRoundingMode as 'round');

  const maxPool: CpuKernelFunc = (args) => {
    const { inputs: { x }, backend, attrs = {} } = args;
    const xv = f32(backend, x);
    if (!xv || x.shape.length !== 4 || xv.length === 0) return fallback(tf.MaxPool)(args);
    const pool = info(x.shape, attrs);
    const y = allocateF32(backend, sizeOf(pool.outShape));
    addon.maxPool(convGeometry(pool), xv, y);
    return backend.makeTensorInfo(pool.outShape, 'float32', y);
  };

  const maxPoolGrad: CpuKernelFunc = (args) => {
    const { inputs: { dy, input }, backend, attrs = {} } = args;
    const xv = f32(backend, input), dyv = f32(backend, dy);
    if (!xv || !dyv || input.shape.length !== 4 || xv.length === 0) return fallback(tf.MaxPoolGrad)(args);
    const dx = allocateF32(backend, xv.length);
    addon.maxPoolGrad(convGeometry(info(input.shape, attrs)), xv, dyv, dx);
    return backend.makeTensorInfo(input.shape, 'float32', dx);
  };

  const avgPool: CpuKernelFunc = (args) => {
    const { inputs: { x }, backend, attrs = {} } = args;
    const xv = f32(backend, x);
    if (!xv || x.shape.length !== 4 || xv.length === 0) return fallback(tf.AvgPool)(args);
    const pool = info(x.shape, attrs);
    const y = allocateF32(backend, sizeOf(pool.outShape));
    addon.avgPool(convGeometry(pool), xv, y);
    return backend.makeTensorInfo(pool.outShape, 'float32', y);
  };

  const avgPoolGrad: CpuKernelFunc = (args) => {
    const { inputs: { dy, input }, backend, attrs = {} } = args;
    const dyv = f32(backend, dy);
    if (!dyv || input.shape.length !== 4 || sizeOf(input.shape) === 0) return fallback(tf.AvgPoolGrad)(args);
    const dx = allocateF32(backend, sizeOf(input.shape));
    addon.avgPoolGrad(convGeometry(info(input.shape, attrs)), dyv, dx);
    return backend.makeTensorInfo(input.shape, 'float32', dx);
  };

  // Source rows/columns with exactly tfjs-backend-cpu's arithmetic; the native side only copies pixels.
  const resizeNearest: CpuKernelFunc = (args) => {
    const { inputs: { images }, backend, attrs = {} } = args;
    const xv = f32(backend, images);
    if (!xv || images.shape.length !== 4 || xv.length === 0) return fallback(tf.ResizeNearestNeighbor)(args);
    const [n, h, w, c] = images.shape;
    const [oh, ow] = attrs.size as [number, number];
    const align = Boolean(attrs.alignCorners), half = Boolean(attrs.halfPixelCenters);
    const y = allocateF32(backend, n * oh * ow * c);
    if (y.length) addon.gatherPixels([n, h, w, c, oh, ow], nearestSources(oh, h, align, half), nearestSources(ow, w, align, half), xv, y);
    return backend.makeTensorInfo([n, oh, ow, c], 'float32', y);
  };

  return [
    { kernelName: tf.ResizeNearestNeighbor, backendName: '', kernelFunc: resizeNearest as unknown as tf.KernelFunc },
    { kernelName: tf.AvgPool, backendName: '', kernelFunc: avgPool as unknown as tf.KernelFunc },
    { kernelName: tf.AvgPoolGrad, backendName: '', kernelFunc: avgPoolGrad as unknown as tf.KernelFunc },
    { kernelName: tf.MaxPool, backendName: '', kernelFunc: maxPool as unknown as tf.KernelFunc },
    { kernelName: tf.MaxPoolGrad, backendName: '', kernelFunc: maxPoolGrad as unknown as tf.KernelFunc },
  ];
}
