// RoIAlign (torchvision semantics) on NHWC features, differentiable with respect to the features.
import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';
import { buildRoiAlignPlan, RoiAlignParams } from './roi-align-plan';
import { applyPlanGather, applyPlanKernel, applyPlanTyped, ROI_ALIGN_APPLY_KERNEL, ROI_ALIGN_SCATTER_KERNEL, scatterPlanKernel, scatterPlanND, scatterPlanTyped } from './roi-align-kernels';
import { activeBackendHas } from '../backend/kernel-registry';

export interface RoiAlignOptions {
  /** [ph, pw] (a number means square). */
  outputSize: [number, number] | number;
  /** Multiplies roi coordinates into feature coordinates (1 / stride). */
  spatialScale?: number;
  /** Samples per bin side; 0 = adaptive ceil(roi / bin). */
  samplingRatio?: number;
  /** Shift rois by -0.5 px (Detectron2 / MMCV pixel model, MMDetection's default). */
  aligned?: boolean;
  /**
   * 'typed': host typed-array kernel (reads the features once); 'gather': tf.gather/scatterND
   * on the device; 'kernel': the backend's RoIAlign kernels (webgpu: one dispatch each way, a
   * backward pass that repeats bit for bit). 'auto' (default) picks 'typed' on the cpu, native
   * and wasm backends, 'kernel' where the backend registers it, else 'gather'.
   */
  impl?: 'auto' | 'typed' | 'gather' | 'kernel';
}

/**
 * Backends whose tensors live in host memory, where reading them is a copy at most ('native' is
 * det's cpu backend with native kernels, see ../kernels).
 */
const HOST_BACKENDS = new Set(['cpu', 'native', 'wasm']);

function normalise(options: RoiAlignOptions): RoiAlignParams {
  const size = typeof options.outputSize === 'number' ? [options.outputSize, options.outputSize] : options.outputSize;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v > 0)) {
    throw new DetError(`roiAlign: outputSize must be a positive integer or [ph, pw], got ${JSON.stringify(options.outputSize)}`);
  }
  const samplingRatio = options.samplingRatio ?? 0;
  if (!Number.isInteger(samplingRatio) || samplingRatio < 0) {
    throw new DetError(`roiAlign: samplingRatio must be an integer >= 0, got ${samplingRatio}`);
  }
  return {
    outputSize: [size[0], size[1]],
    spatialScale: options.spatialScale ?? 1,
    samplingRatio,
    aligned: options.aligned ?? true,
  };
}

/** Rois as a [k,5] tensor, or host data (flat k·5) so the plan needs no read-back at all. */
export type RoiInput = tf.Tensor2D | Float32Array;

/**
 * torchvision `roi_align` on NHWC features [n,h,w,c] and rois [k,5] = (batchIdx, x1, y1, x2, y2)
 * in image coordinates. Returns [k, ph, pw, c]. Gradient flows to `features` (not to `rois`).
 * The plan is built on the host: a rois tensor is read synchronously, which webgpu refuses for
 * GPU-resident tensors — pass host rois (a Float32Array) or use `roiAlignAsync` there.
 */
export function roiAlign(features: tf.Tensor4D, rois: RoiInput, options: RoiAlignOptions): tf.Tensor4D {
  if (rois instanceof tf.Tensor) {
    if (rois.rank !== 2 || rois.shape[1] !== 5) {
      throw new DetError(`roiAlign: rois must be [k,5] (batchIdx,x1,y1,x2,y2), got [${rois.shape.join(',')}]`);
    }
    return roiAlignHost(features, rois.dataSync() as Float32Array, options);
  }
  return roiAlignHost(features, rois, options);
}

/** `roiAlign` with a rois tensor read by `await data()` (every backend, webgpu included). */
export async function roiAlignAsync(features: tf.Tensor4D, rois: tf.Tensor2D, options: RoiAlignOptions): Promise<tf.Tensor4D> {
  if (rois.rank !== 2 || rois.shape[1] !== 5) {
    throw new DetError(`roiAlign: rois must be [k,5] (batchIdx,x1,y1,x2,y2), got [${rois.shape.join(',')}]`);
  }
  return roiAlignHost(features, Float32Array.from((await rois.data()) as Float32Array), options);
}

function roiAlignHost(features: tf.Tensor4D, roiData: Float32Array, options: RoiAlignOptions): tf.Tensor4D {
  if (features.rank !== 4) throw new DetError(`roiAlign: features must be NHWC [n,h,w,c], got [${features.shape.join(',')}]`);
  if (roiData.length % 5 !== 0) throw new DetError(`roiAlign: host rois must be flat k·5 (batchIdx,x1,y1,x2,y2), got ${roiData.length} numbers`);
  const params = normalise(options);
  const [n, h, w, c] = features.shape;
  const [ph, pw] = params.outputSize;
  const k = roiData.length / 5;
  for (let r = 0; r < k; r++) {
    const b = roiData[r * 5];
    if (!Number.isInteger(b) || b < 0 || b >= n) {
      throw new DetError(`roiAlign: roi ${r} has batch index ${b}, features hold ${n} images`);
    }
  }
  if (k === 0) return tf.zeros([0, ph, pw, c]);
  const plan = buildRoiAlignPlan(roiData, [n, h, w], params);
  const pixels = n * h * w;
  const impl = options.impl ?? 'auto';
  const typed = impl === 'typed' || (impl === 'auto' && HOST_BACKENDS.has(tf.getBackend()));
  const kernel = impl === 'kernel' || (impl === 'auto' && !typed && activeBackendHas(ROI_ALIGN_APPLY_KERNEL, ROI_ALIGN_SCATTER_KERNEL));
  const op = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const feat = inputs[0] as tf.Tensor;
    // The plan lives in JS memory, so the gradient can run after the caller's tidy has ended.
    // 'typed' reads features/dy synchronously: a host copy on the host backends 'auto' picks it
    // for; the device backends ('auto' on webgpu) take the gather path, which reads nothing.
    if (typed) {
      const value = tf.tensor4d(applyPlanTyped(feat.dataSync(), c, plan), [k, ph, pw, c]);
      const gradFunc = (dy: tf.Tensor) => tf.tensor4d(scatterPlanTyped(dy.dataSync(), c, plan, pixels), [n, h, w, c]);
      return { value, gradFunc };
    }
    if (kernel) {
      const value = tf.reshape(applyPlanKernel(tf.reshape(feat, [pixels, c]), plan), [k, ph, pw, c]);
      const gradFunc = (dy: tf.Tensor) => tf.reshape(scatterPlanKernel(tf.reshape(dy, [k * ph * pw, c]), plan, pixels), [n, h, w, c]);
      return { value, gradFunc };
    }
    const value = tf.reshape(applyPlanGather(tf.reshape(feat, [pixels, c]), plan), [k, ph, pw, c]);
    const gradFunc = (dy: tf.Tensor) => tf.reshape(scatterPlanND(tf.reshape(dy, [k * ph * pw, c]), plan, pixels), [n, h, w, c]);
    return { value, gradFunc };
  });
  return tf.tidy(() => op(features) as tf.Tensor4D);
}
