import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { ElementwiseProgram } from './elementwise-program';
import { phaseTaps } from './conv2d-input-grad-program';

/** The webgpu backend's Conv2D kernel function (tfjs's forward implicit GEMM / im2col). */
export type Conv2dKernel = (args: { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs: Record<string, unknown> }) => tf.TensorInfo;

/** One axis of a sub-filter: taps k0, k0 + stride, … (count of them), in reverse order. */
interface TapRun { k0: number; count: number; stride: number }

/**
 * w'[a, b, co, ci] = w[kh(a), kw(b), ci, co] with kh(a) = k0 + stride·(count − 1 − a): the
 * flipped, transposed filter of the forward conv that computes dX — all taps at stride 1, one
 * stride phase's taps otherwise.
 */
class FlipTransposeFilterProgram extends ElementwiseProgram {
  constructor(kH: number, kW: number, inC: number, outC: number, h: TapRun, w: TapRun) {
    super([h.count, w.count, outC, inC], ['w'],
      `detFlipTransposeFilter_${kH}_${kW}_${inC}_${outC}_${h.k0}_${h.count}_${h.stride}_${w.k0}_${w.count}_${w.stride}`, `
      let ci = index % ${inC};
      let co = (index / ${inC}) % ${outC};
      let tap = index / ${inC * outC};
      let kw = ${w.k0} + ${w.stride} * (${w.count - 1} - tap % ${w.count});
      let kh = ${h.k0} + ${h.stride} * (${h.count - 1} - tap / ${w.count});
      result[index] = w[((kh * ${kW} + kw) * ${inC} + ci) * ${outC} + co];`);
  }
}

/** w'[kh, kw, co, ci] = w[K−1−kh, K−1−kw, ci, co]: the filter flipped in space, channels swapped. */
export function flipTransposeFilter(backend: WebGpuBackendLike, filter: tf.TensorInfo): tf.TensorInfo {
  const [kH, kW, inC, outC] = filter.shape;
  const all = (k: number): TapRun => ({ k0: 0, count: k, stride: 1 });
  return backend.runWebGPUProgram(new FlipTransposeFilterProgram(kH, kW, inC, outC, all(kH), all(kW)), [filter], 'float32');
}

/** The forward conv's padding (the output of this function has the forward input's shape). */
export interface StrideOneInputGrad {
  padTop: number; padBottom: number; padLeft: number; padRight: number;
}

/**
 * Conv2DBackpropInput at stride 1 (dilation 1, NHWC) as a forward convolution of dY with the
 * flipped, transposed filter and the complementary padding (K−1−p on each side), so it runs on
 * tfjs's forward implicit GEMM — the fastest conv program on the H200 (14–16 TFLOP/s on the
 * reference layers, where tfjs's backprop GEMM reached ~11). One extra tiny dispatch for the
 * filter. `conv2d` is the webgpu backend's own Conv2D kernel function.
 */
export function inputGradViaForwardConv(
  backend: WebGpuBackendLike, conv2d: Conv2dKernel, dy: tf.TensorInfo, filter: tf.TensorInfo, s: StrideOneInputGrad,
): tf.TensorInfo {
  const [kH, kW] = filter.shape;
  const flipped = flipTransposeFilter(backend, filter);
  const pad = [[0, 0], [kH - 1 - s.padTop, kH - 1 - s.padBottom], [kW - 1 - s.padLeft, kW - 1 - s.padRight], [0, 0]];
  try {
    return conv2d({ inputs: { x: dy, filter: flipped }, backend, attrs: { strides: 1, pad, dataFormat: 'NHWC', dilations: 1 } });
  } finally {
    backend.disposeData(flipped.dataId);
  }
}

/** dX[n, ph + sH·i, pw + sW·j, c] = phase (ph, pw)'s [n, i, j, c], for every stride phase. */
class InterleavePhasesProgram extends ElementwiseProgram {
  constructor(outShape: number[], sH: number, sW: number, phaseDims: [number, number][]) {
    const [, inH, inW, inC] = outShape;
    const reads = phaseDims.map(([rows, cols], k) =>
      `if (k == ${k}) { result[index] = p${k}[((n * ${rows} + i) * ${cols} + j) * ${inC} + c]; }`).join(' else ');
    super(outShape, phaseDims.map((_, k) => `p${k}`), `detInterleavePhases_${outShape.join('_')}_${sH}_${sW}`, `
      let c = index % ${inC};
      let iw = (index / ${inC}) % ${inW};
      let ih = (index / ${inC * inW}) % ${inH};
      let n = index / ${inC * inW * inH};
      let i = ih / ${sH};
      let j = iw / ${sW};
      let k = (ih % ${sH}) * ${sW} + iw % ${sW};
      ${reads}`);
  }
}

/** Where the strided forward-conv path applies: every phase has taps and pixels, padding ≥ 0. */
export interface StridedInputGradPlan {
  phases: { h: TapRun; w: TapRun; rows: number; cols: number; pad: number[][] }[];
}

// At most 7 phases: the interleave pass binds them all plus its output (8 storage buffers).
const MAX_PHASES = 7;

/** The per-phase forward convs of a strided input gradient, or null where one does not apply. */
export function planStridedInputGrad(s: {
  inH: number; inW: number; outH: number; outW: number; kH: number; kW: number;
  strideH: number; strideW: number; padTop: number; padLeft: number;
}): StridedInputGradPlan | null {
  if (s.strideH * s.strideW > MAX_PHASES) return null;
  const phases: StridedInputGradPlan['phases'] = [];
  for (let ph = 0; ph < s.strideH; ph++) {
    for (let pw = 0; pw < s.strideW; pw++) {
      const th = phaseTaps(ph, s.strideH, s.padTop, s.kH);
      const tw = phaseTaps(pw, s.strideW, s.padLeft, s.kW);
      const rows = Math.ceil((s.inH - ph) / s.strideH);
      const cols = Math.ceil((s.inW - pw) / s.strideW);
      // output i of the phase reads dY rows i + offset − a for its taps a = 0 … count − 1
      const top = th.count - 1 - th.offset;
      const bottom = rows + th.count - 1 - s.outH - top;
      const left = tw.count - 1 - tw.offset;
      const right = cols + tw.count - 1 - s.outW - left;
      if (th.count === 0 || tw.count === 0 || rows <= 0 || cols <= 0 || Math.min(top, bottom, left, right) < 0) return null;
      phases.push({
        h: { k0: th.k0, count: th.count, stride: s.strideH }, w: { k0: tw.k0, count: tw.count, stride: s.strideW },
        rows, cols, pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      });
    }
  }
  return { phases };
}

/**
 * Strided Conv2DBackpropInput as one stride-1 forward conv per stride phase (each over only the
 * taps that reach it: 4, 2, 2, 1 of a 3×3 kernel at stride 2) on tfjs's forward GEMM, then one
 * pass interleaving the phases into dX. For layers det's phase GEMM serves badly (few input
 * channels: tfjs's GEMM there multiplies a 4×-dilated dY at ~1.6 TFLOP/s on the H200).
 */
export function stridedInputGradViaForwardConvs(
  backend: WebGpuBackendLike, conv2d: Conv2dKernel, dy: tf.TensorInfo, filter: tf.TensorInfo,
  inputShape: number[], plan: StridedInputGradPlan, strides: [number, number],
): tf.TensorInfo {
  const [kH, kW, inC, outC] = filter.shape;
  const outputs: tf.TensorInfo[] = [];
  try {
    for (const p of plan.phases) {
      const sub = backend.runWebGPUProgram(new FlipTransposeFilterProgram(kH, kW, inC, outC, p.h, p.w), [filter], 'float32');
      try {
        outputs.push(conv2d({ inputs: { x: dy, filter: sub }, backend, attrs: { strides: 1, pad: p.pad, dataFormat: 'NHWC', dilations: 1 } }));
      } finally {
        backend.disposeData(sub.dataId);
      }
    }
    const program = new InterleavePhasesProgram(inputShape, strides[0], strides[1], plan.phases.map((p) => [p.rows, p.cols]));
    return backend.runWebGPUProgram(program, outputs, 'float32');
  } finally {
    for (const o of outputs) backend.disposeData(o.dataId);
  }
}
