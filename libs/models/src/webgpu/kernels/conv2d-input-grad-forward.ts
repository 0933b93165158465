import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { ElementwiseProgram } from './elementwise-program';

/** w'[kh, kw, co, ci] = w[K−1−kh, K−1−kw, ci, co]: the filter of the forward conv that is dX. */
class FlipTransposeFilterProgram extends ElementwiseProgram {
  constructor(kH: number, kW: number, inC: number, outC: number) {
    super([kH, kW, outC, inC], ['w'], `detFlipTransposeFilter_${kH}_${kW}_${inC}_${outC}`, `
      let ci = index % ${inC};
      let co = (index / ${inC}) % ${outC};
      let tap = index / ${inC * outC};
      let kw = ${kW - 1} - tap % ${kW};
      let kh = ${kH - 1} - tap / ${kW};
      result[index] = w[((kh * ${kW} + kw) * ${inC} + ci) * ${outC} + co];`);
  }
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
  backend: WebGpuBackendLike, conv2d: (args: { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs: Record<string, unknown> }) => tf.TensorInfo,
  dy: tf.TensorInfo, filter: tf.TensorInfo, s: StrideOneInputGrad,
): tf.TensorInfo {
  const [kH, kW, inC, outC] = filter.shape;
  const flipped = backend.runWebGPUProgram(new FlipTransposeFilterProgram(kH, kW, inC, outC), [filter], 'float32');
  const pad = [[0, 0], [kH - 1 - s.padTop, kH - 1 - s.padBottom], [kW - 1 - s.padLeft, kW - 1 - s.padRight], [0, 0]];
  try {
    return conv2d({ inputs: { x: dy, filter: flipped }, backend, attrs: { strides: 1, pad, dataFormat: 'NHWC', dilations: 1 } });
  } finally {
    backend.disposeData(flipped.dataId);
  }
}
