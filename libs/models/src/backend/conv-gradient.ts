import * as tf from '@tensorflow/tfjs-core';
import { activeBackendHas, installGradient } from './kernel-registry';
import { activeMatrixUnit } from '../webgpu/conv-precision';

/**
 * Kernel name of max |x| as f32 bits (webgpu/kernels/max-abs-bits-program.ts): the scale by which
 * the f16 matrix-unit conv kernels bring a gradient into f16's range.
 */
export const MAX_ABS_BITS_KERNEL = 'DetMaxAbsBits';

/**
 * With f16 matrix-unit convs (webgpu, conv precision f16) a conv's input and filter gradients
 * both scale the same dY by its max |dY|. Computed here, once, and handed to both kernels as an
 * extra input `amax` (they compute it themselves when it is missing: tfjs's own gradient paths).
 * Not when dY has fewer than 16 channels: the filter gradient then stays f32 (its matrix-unit
 * programs need N ≥ 16) and the input gradient reduces dY itself if it uses one.
 */
export function sharedGradientScale(dy: tf.Tensor): { amax?: tf.Tensor } {
  const channels = dy.shape[dy.rank - 1] ?? 0;
  if (dy.dtype !== 'float32' || channels < 16 || !activeMatrixUnit() || !activeBackendHas(MAX_ABS_BITS_KERNEL)) return {};
  return { amax: tf.engine().runKernel(MAX_ABS_BITS_KERNEL, { x: dy }) as tf.Tensor };
}

/** The Conv2D gradient det replaced (tfjs's): used except for NHWC, dilation-1 convs with a shared scale. */
let replaced: tf.GradConfig | undefined;

const conv2dGradient: tf.GradConfig = {
  kernelName: tf.Conv2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dyIn, saved, attrs) => {
    const dy = dyIn as tf.Tensor; // Conv2D has one output
    const [x, filter] = saved;
    const { strides, pad, dataFormat, dimRoundingMode, dilations } = attrs as Record<string, unknown>;
    const nhwc = dataFormat === undefined || dataFormat === 'NHWC';
    const dilated = dilations !== undefined && dilations !== 1 && !(Array.isArray(dilations) && dilations.every((d) => d === 1));
    const shared = nhwc && !dilated ? sharedGradientScale(dy) : {};
    if (!shared.amax) return replaced!.gradFunc(dyIn, saved, attrs);
    const conv = { strides, pad, dataFormat: 'NHWC', dimRoundingMode };
    return {
      x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter, ...shared }, { ...conv, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      filter: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy, ...shared }, { ...conv, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
    };
  },
};

/** Installs det's Conv2D gradient (the same kernels as tfjs's, plus the shared scale) in front of tfjs's. */
export function registerConvGradient(): void {
  const current = tf.getGradient(tf.Conv2D);
  if (current === conv2dGradient) return;
  replaced = current ?? undefined;
  if (replaced) installGradient(conv2dGradient);
}
