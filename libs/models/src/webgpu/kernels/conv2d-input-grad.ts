import * as tf from '@tensorflow/tfjs-core';
import { overrideWebGpuKernel, type KernelFunc } from './kernel-override';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { InputGradPhaseProgram, type InputGradShape } from './conv2d-input-grad-program';

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
    padTop: info.padInfo.top, padLeft: info.padInfo.left,
  };
}

/**
 * Below this many input channels (the GEMM's N) tfjs's own GEMM is faster: det's 32-wide output
 * tiles run half empty. H200, batch 16, 16 → 32 channels at 320²: det 4.74 ms, tfjs 2.38 ms; with
 * 32 / 64 / 128 input channels det is 1.45–1.65× faster (bench/gpu, 2026-11-26).
 */
export const PHASE_SPLIT_MIN_IN_CHANNELS = 32;

/** Strided convolutions only: at stride 1 there is nothing to skip and tfjs's GEMM is used. */
export function phaseSplitInputGrad(original: KernelFunc): KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs ?? {};
    const s = dy.dtype === 'float32' && filter.dtype === 'float32' ? inputGradShape(filter, attrs) : null;
    if (!s || (s.strideH === 1 && s.strideW === 1) || s.inC < PHASE_SPLIT_MIN_IN_CHANNELS) return original(args);
    const backend = args.backend as WebGpuBackendLike;
    const maxGroups = backend.device.limits.maxComputeWorkgroupsPerDimension ?? 65535;
    const programs: InputGradPhaseProgram[] = [];
    for (let ph = 0; ph < Math.min(s.strideH, s.inH); ph++) {
      for (let pw = 0; pw < Math.min(s.strideW, s.inW); pw++) programs.push(new InputGradPhaseProgram(s, ph, pw));
    }
    if (programs.some((p) => p.dispatch[1] > maxGroups)) return original(args);
    // Every input pixel belongs to exactly one phase, so the phases fill the output between them.
    let out: tf.TensorInfo | undefined;
    for (const p of programs) {
      out = out ? backend.runWebGPUProgram(p, [dy, filter], 'float32', undefined, out) : backend.runWebGPUProgram(p, [dy, filter], 'float32');
    }
    return out as tf.TensorInfo;
  };
}

export function registerPhaseSplitInputGrad(): void {
  overrideWebGpuKernel('Conv2DBackpropInput', phaseSplitInputGrad);
}
