import * as tf from '@tensorflow/tfjs-core';
import { installGradient } from '../backend/kernel-registry';
import type { NativeAddon } from './native-addon';
import { allocateF32 } from './buffer-pool';
import { type CpuKernelFunc, f32, sizeOf } from './cpu-tensors';

const RELU_GRAD = 'DetReluGrad';
const SQUARE_GRAD = 'DetSquareGrad';
const MEAN_GRAD = 'DetMeanGrad';

/**
 * One-pass backward kernels (native backend only) for ops whose stock gradients take several
 * full-size ops: ReLU (step + cast + mul), Square (two muls), Mean over leading axes (ones + mul + div).
 */
export function nativeGradientKernels(addon: NativeAddon): tf.KernelConfig[] {
  const pointwise = (name: string, op: number): tf.KernelConfig => {
    const kernelFunc: CpuKernelFunc = ({ inputs: { dy, x }, backend }) => {
      const g = f32(backend, dy)!, xv = f32(backend, x)!;
      const out = allocateF32(backend, xv.length);
      const cols = x.shape.length ? x.shape[x.shape.length - 1] : 1;
      addon.binary(op, xv.length / Math.max(1, cols), cols, g, cols, 1, xv, cols, 1, out);
      return backend.makeTensorInfo(x.shape, 'float32', out);
    };
    return { kernelName: name, backendName: '', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
  };
  const meanGrad: CpuKernelFunc = ({ inputs: { dy }, backend, attrs = {} }) => {
    const xShape = attrs.xShape as number[];
    const g = f32(backend, dy)!;
    const out = allocateF32(backend, sizeOf(xShape));
    addon.tileRows(out.length / g.length, g.length, g, g.length / out.length, out);
    return backend.makeTensorInfo(xShape, 'float32', out);
  };
  return [
    pointwise(RELU_GRAD, 7),
    pointwise(SQUARE_GRAD, 8),
    { kernelName: MEAN_GRAD, backendName: '', kernelFunc: meanGrad as unknown as tf.KernelFunc },
  ];
}

type Marked = tf.GradConfig & { detNative?: boolean };

/** Wraps a stock gradient so `backendName` takes `fast` (when it returns something) and others the stock path. */
function override(kernelName: string, backendName: string,
  fast: (dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap) => tf.Tensor | undefined): void {
  const stock = tf.getGradient(kernelName) as Marked | undefined;
  if (!stock || stock.detNative) return;
  const config: Marked = {
    ...stock,
    detNative: true,
    gradFunc: (dy, saved, attrs) => {
      if (tf.getBackend() === backendName && !Array.isArray(dy) && dy.dtype === 'float32' &&
          saved.every((t) => t.dtype === 'float32')) {
        const dx = fast(dy, saved, attrs);
        if (dx) return { x: () => dx };
      }
      return stock.gradFunc(dy, saved, attrs);
    },
  };
  installGradient(config);
}

/** Installs the one-pass gradients for ReLU, Square and leading-axes Mean on `backendName`. */
export function installNativeGradients(backendName: string): void {
  override(tf.Relu, backendName, (dy, [x]) => tf.engine().runKernel(RELU_GRAD, { dy, x }) as tf.Tensor);
  override(tf.Square, backendName, (dy, [x]) => tf.engine().runKernel(SQUARE_GRAD, { dy, x }) as tf.Tensor);
  override(tf.Mean, backendName, (dy, [x], attrs) => {
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.every((a, i) => a === i);
    if (!leading || x.size === 0) return undefined;
    return tf.engine().runKernel(MEAN_GRAD, { dy }, { xShape: x.shape }) as tf.Tensor;
  });
}
