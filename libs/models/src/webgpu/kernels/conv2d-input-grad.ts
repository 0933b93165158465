import * as tf from '@tensorflow/tfjs-core';
import { overrideWebGpuKernel, type KernelFunc } from './kernel-override';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { inputGradViaForwardConv, planStridedInputGrad, stridedInputGradViaForwardConvs, type Conv2dKernel } from './conv2d-input-grad-forward';
import { DEFAULT_INPUT_GRAD_TILING, INPUT_GRAD_TILINGS, InputGradProgram, type InputGradShape, type InputGradTiling } from './conv2d-input-grad-program';

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
 * Below this many input channels (the GEMM's N) tfjs's own GEMM is faster: det's 32-wide output
 * tiles run half empty. H200, batch 16, 16 → 32 channels at 320²: det 4.74 ms, tfjs 2.38 ms; with
 * 32 / 64 / 128 input channels det is 1.45–1.65× faster (bench/gpu, 2026-11-26, the per-phase
 * dispatches with 32×32 tiles; `sweep` also times the 16-channel layer with every tiling).
 */
export const PHASE_SPLIT_MIN_IN_CHANNELS = 32;

/**
 * The tiling for one input gradient. Not measured yet: this mirrors the filter gradient's H200
 * sweep (chooseFilterGradTiling: 64×64 tiles with 256 threads and K steps of 8 for ≥ 64 output
 * channels, 64×32 for 32) with the input gradient's N, the input channels, in that role. The
 * `sweep` mode of bench/gpu/step-bench.ts times every INPUT_GRAD_TILINGS entry per strided
 * reference layer so a GPU run can replace this rule with measured choices.
 */
export function chooseInputGradTiling(s: InputGradShape): InputGradTiling {
  if (s.inC >= 64) return INPUT_GRAD_TILINGS.B_64x64k8_4x4;
  if (s.inC >= 32) return INPUT_GRAD_TILINGS.C_64x32k16_4x4;
  return DEFAULT_INPUT_GRAD_TILING;
}

/**
 * Stride 1: dX is a forward convolution of dY with the flipped, transposed filter, run on tfjs's
 * forward implicit GEMM (conv2d-input-grad-forward.ts). On the H200 that program did the
 * reference layers' forward passes at 14–16 TFLOP/s while tfjs's backprop GEMM did their input
 * gradients at ~11 (same shapes for the symmetric 3×3 layers: 0.46 vs 0.67–0.77 ms at batch 16,
 * 2026-11-26); `sweep` times both per layer. Padding the forward conv cannot express
 * (p > K − 1) keeps tfjs's GEMM.
 * Strided, ≥ PHASE_SPLIT_MIN_IN_CHANNELS input channels: all stride phases as one dispatch of
 * det's phase GEMM (phase = workgroup z); tfjs's kernel takes over where the grid would pass
 * the device's per-dimension workgroup limit.
 * Strided, fewer input channels: one forward conv per stride phase plus an interleave pass
 * (where every phase has taps and ≤ 7 phases), else tfjs's GEMM over a dilated dY — the
 * reference step's costliest input gradient at 1.6 TFLOP/s on the H200 (16 input channels,
 * 2.38 ms at batch 16). Not yet timed on a GPU; `sweep` times all three.
 */
export function phaseSplitInputGrad(original: KernelFunc): KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs ?? {};
    const s = dy.dtype === 'float32' && filter.dtype === 'float32' ? inputGradShape(filter, attrs) : null;
    if (!s) return original(args);
    const backend = args.backend as WebGpuBackendLike;
    const conv2d = tf.getKernel('Conv2D', 'webgpu')?.kernelFunc as unknown as Conv2dKernel | undefined;
    if (s.strideH === 1 && s.strideW === 1) {
      const [padBottom, padRight] = [s.padBottom ?? s.padTop, s.padRight ?? s.padLeft];
      const fits = Math.max(s.padTop, padBottom) <= s.kH - 1 && Math.max(s.padLeft, padRight) <= s.kW - 1;
      if (!conv2d || !fits) return original(args);
      return inputGradViaForwardConv(backend, conv2d, dy, filter, { padTop: s.padTop, padBottom, padLeft: s.padLeft, padRight });
    }
    if (s.inC < PHASE_SPLIT_MIN_IN_CHANNELS) {
      const plan = conv2d ? planStridedInputGrad(s) : null;
      if (!plan) return original(args);
      return stridedInputGradViaForwardConvs(backend, conv2d!, dy, filter, [s.batch, s.inH, s.inW, s.inC], plan, [s.strideH, s.strideW]);
    }
    const maxGroups = backend.device.limits.maxComputeWorkgroupsPerDimension ?? 65535;
    const program = new InputGradProgram(s, chooseInputGradTiling(s));
    if (program.dispatch.some((d) => d > maxGroups)) return original(args);
    return backend.runWebGPUProgram(program, [dy, filter], 'float32');
  };
}

export function registerPhaseSplitInputGrad(): void {
  overrideWebGpuKernel('Conv2DBackpropInput', phaseSplitInputGrad);
}
