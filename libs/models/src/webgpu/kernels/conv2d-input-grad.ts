import * as tf from '@tensorflow/tfjs-core';
import { originalWebGpuKernel, overrideWebGpuKernel, type KernelFunc } from './kernel-override';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { zerosInfo } from './zeros';
import type { Conv2dKernel } from './conv2d-input-grad-forward';
import type { InputGradShape } from './conv2d-input-grad-program';
import { defaultInputGradVariant, inputGradTuningKey, inputGradVariant, inputGradVariantNames, isF16Variant, TFJS_GEMM, type InputGradContext } from './conv2d-input-grad-variants';
import { applicableCandidates, kernelTuningActive, tunedChoice, type TuningRequest } from '../tuning/kernel-tuner';

export function inputGradShape(filter: tf.TensorInfo, attrs: Record<string, unknown>): InputGradShape | null {
  const dataFormat = (attrs.dataFormat as string | undefined) ?? 'NHWC';
  if (dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') return null;
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
  return {
    batch: info.batchSize, inH: info.inHeight, inW: info.inWidth, inC: info.inChannels,
    outH: info.outHeight, outW: info.outWidth, outC: info.outChannels,
    kH: info.filterHeight, kW: info.filterWidth, strideH: info.strideHeight, strideW: info.strideWidth,
    padTop: info.padInfo.top, padLeft: info.padInfo.left, padBottom: info.padInfo.bottom, padRight: info.padInfo.right,
  };
}

/**
 * det's Conv2DBackpropInput: one of the variants in conv2d-input-grad-variants.ts per call —
 * det's rule (defaultInputGradVariant) or, once kernel tuning has timed the shape, the fastest.
 * NCHW / non-float calls, and shapes where the chosen variant does not apply, go to tfjs's GEMM.
 */
export function phaseSplitInputGrad(original: KernelFunc): KernelFunc {
  return (args) => {
    const { dy, filter, amax } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo; amax?: tf.TensorInfo };
    const attrs = args.attrs ?? {};
    // an empty dy (a conv whose output is empty) gives dx = 0; no program would write it
    if (tf.util.sizeFromShape(dy.shape) === 0) return zerosInfo(args.backend as WebGpuBackendLike, attrs.inputShape as number[]);
    const s = dy.dtype === 'float32' && filter.dtype === 'float32' ? inputGradShape(filter, attrs) : null;
    if (!s) return original({ ...args, inputs: { dy, filter } });
    // tfjs's forward GEMM itself, not det's tuned Conv2D (whose variants would flip the filter back)
    const conv2d = originalWebGpuKernel('Conv2D') as unknown as Conv2dKernel | undefined;
    const ctx: InputGradContext = { backend: args.backend as WebGpuBackendLike, s, original, attrs, conv2d, amax };
    const fallback = defaultInputGradVariant(s, ctx.backend);
    // without tuning, no tuning key (string work on every call) to build
    const name = kernelTuningActive()
      ? tunedChoice('Conv2DBackpropInput', inputGradTuningKey(s), fallback, (): TuningRequest => ({
        inputs: [dy.shape, filter.shape],
        candidates: applicableCandidates(inputGradVariantNames(), (n) => {
          const run = inputGradVariant({ ...ctx, amax: undefined }, n); // run later on other inputs
          return run ? ([d, f]) => run(d, f) : null;
        }, isF16Variant),
      }))
      : fallback;
    const run = inputGradVariant(ctx, name) ?? inputGradVariant(ctx, fallback) ?? inputGradVariant(ctx, TFJS_GEMM)!;
    return run(dy, filter);
  };
}

export function registerPhaseSplitInputGrad(): void {
  overrideWebGpuKernel('Conv2DBackpropInput', phaseSplitInputGrad);
}
