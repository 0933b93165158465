import * as tf from '@tensorflow/tfjs-core';
import { overrideWebGpuKernel, type KernelFunc } from './kernel-override';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { ElementwiseProgram } from './elementwise-program';

/**
 * Max pooling's gradient in two gathers: the flat input index of each window's first maximum
 * (strict >, padding skipped, as the cpu backend), then per input value the dy of the windows
 * that chose it, in the cpu backend's order (output rows, then columns, ascending).
 * tfjs-backend-webgpu's own kernel sends the gradient of a window holding equal maxima to another
 * of them than the cpu backend (and PyTorch), which take the first — common after a ReLU (found by
 * det's op fuzz against cpu, 2026-11-26).
 */
type PoolInfo = tf.backend_util.Conv2DInfo;

class MaxPoolPositionsProgram extends ElementwiseProgram {
  constructor(info: PoolInfo) {
    const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = info;
    super(info.outShape, ['x'], `detMaxPoolPositions_${info.inShape.join('x')}_${info.outShape.join('x')}_${sh}_${sw}_${info.padInfo.top}_${info.padInfo.left}_${info.effectiveFilterHeight}x${info.effectiveFilterWidth}_${info.dilationHeight}x${info.dilationWidth}`, `
      let d = index % ${C};
      let ox = (index / ${C}) % ${OW};
      let oy = (index / ${C * OW}) % ${OH};
      let n = index / ${C * OW * OH};
      var best = 0.0;
      var at = -1;
      for (var wy = 0; wy < ${info.effectiveFilterHeight}; wy = wy + ${info.dilationHeight}) {
        let yy = oy * ${sh} - ${info.padInfo.top} + wy;
        if (yy < 0 || yy >= ${H}) { continue; }
        for (var wx = 0; wx < ${info.effectiveFilterWidth}; wx = wx + ${info.dilationWidth}) {
          let xx = ox * ${sw} - ${info.padInfo.left} + wx;
          if (xx < 0 || xx >= ${W}) { continue; }
          let i = ((n * ${H} + yy) * ${W} + xx) * ${C} + d;
          if (at < 0 || x[i] > best) { best = x[i]; at = i; }
        }
      }
      result[index] = at;`);
  }
}

class MaxPoolBackpropProgram extends ElementwiseProgram {
  constructor(info: PoolInfo) {
    const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = info;
    const [eh, ew] = [info.effectiveFilterHeight, info.effectiveFilterWidth];
    super(info.inShape, ['dy', 'positions'], `detMaxPoolBackprop_${info.inShape.join('x')}_${info.outShape.join('x')}_${sh}_${sw}_${info.padInfo.top}_${info.padInfo.left}_${eh}x${ew}`, `
      let d = index % ${C};
      let x = (index / ${C}) % ${W};
      let y = (index / ${C * W}) % ${H};
      let n = index / ${C * W * H};
      // windows containing (y, x): oy·sh − top ≤ y ≤ oy·sh − top + eh − 1
      let oy0 = max(0, (y + ${info.padInfo.top} - ${eh - 1} + ${sh - 1} + ${sh * eh}) / ${sh} - ${eh});
      let oy1 = min(${OH - 1}, (y + ${info.padInfo.top}) / ${sh});
      let ox0 = max(0, (x + ${info.padInfo.left} - ${ew - 1} + ${sw - 1} + ${sw * ew}) / ${sw} - ${ew});
      let ox1 = min(${OW - 1}, (x + ${info.padInfo.left}) / ${sw});
      var s = 0.0;
      for (var oy = oy0; oy <= oy1; oy = oy + 1) {
        for (var ox = ox0; ox <= ox1; ox = ox + 1) {
          let o = ((n * ${OH} + oy) * ${OW} + ox) * ${C} + d;
          if (positions[o] == index) { s = s + dy[o]; }
        }
      }
      result[index] = s;`);
  }
}

function maxPoolGrad(original: KernelFunc): KernelFunc {
  return (args) => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const attrs = args.attrs ?? {};
    if (input.shape.length !== 4 || input.dtype !== 'float32') return original(args);
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize as [number, number],
      attrs.strides as [number, number], 1, attrs.pad as 'same', attrs.dimRoundingMode as 'round');
    const backend = args.backend as WebGpuBackendLike;
    const positions = backend.runWebGPUProgram(new MaxPoolPositionsProgram(info), [input], 'int32');
    try {
      return backend.runWebGPUProgram(new MaxPoolBackpropProgram(info), [dy, positions], 'float32');
    } finally {
      backend.disposeData(positions.dataId);
    }
  };
}

export function registerMaxPoolGrad(): void {
  overrideWebGpuKernel('MaxPoolGrad', maxPoolGrad);
}
