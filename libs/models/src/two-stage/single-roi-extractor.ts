import * as tf from '@tensorflow/tfjs-core';
import { DetError, ROI_EXTRACTORS } from '@det/registry';
import { roiAlign } from '../ops/roi-align';
import { mapRoiLevels } from './roi-levels';
import { gatherRowsWithGrad } from '../heads/head-utils';

export interface RoILayerCfg {
  type: string;
  outputSize: number | [number, number];
  samplingRatio?: number;
  /** MMCV's RoIAlign default (true): pixel centres at +0.5. */
  aligned?: boolean;
}

export interface SingleRoIExtractorOptions {
  roiLayer: RoILayerCfg;
  outChannels: number;
  /** Stride of each feature level the RoIs are pooled from (only the first featmapStrides.length levels are used). */
  featmapStrides: number[];
  finestScale?: number;
  initCfg?: unknown;
  rng?: unknown;
}

/**
 * MMDetection's SingleRoIExtractor: each RoI is pooled from one level (mapRoiLevels) with
 * RoIAlign at spatialScale = 1/stride. Input rois are k×5 (batchIdx, x1, y1, x2, y2) in the
 * network-input frame; output [k, ph, pw, C] (NHWC), differentiable w.r.t. the features.
 */
@ROI_EXTRACTORS.register()
export class SingleRoIExtractor {
  readonly outputSize: [number, number];
  readonly samplingRatio: number;
  readonly aligned: boolean;
  readonly outChannels: number;
  readonly featmapStrides: number[];
  readonly finestScale: number;

  constructor(options: SingleRoIExtractorOptions) {
    const layer = options?.roiLayer;
    if (!layer || layer.type !== 'RoIAlign') {
      throw new DetError(`SingleRoIExtractor.roiLayer.type: only 'RoIAlign' is supported, got ${JSON.stringify(layer?.type)}`);
    }
    const size = typeof layer.outputSize === 'number' ? [layer.outputSize, layer.outputSize] : layer.outputSize;
    if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v > 0)) {
      throw new DetError(`SingleRoIExtractor.roiLayer.outputSize must be a positive integer or [h, w], got ${JSON.stringify(layer.outputSize)}`);
    }
    if (!Array.isArray(options.featmapStrides) || options.featmapStrides.length === 0 || !options.featmapStrides.every((s) => s > 0)) {
      throw new DetError(`SingleRoIExtractor.featmapStrides must be a non-empty list of positive strides, got ${JSON.stringify(options.featmapStrides)}`);
    }
    this.outputSize = [size[0], size[1]];
    this.samplingRatio = layer.samplingRatio ?? 0;
    this.aligned = layer.aligned ?? true;
    this.outChannels = options.outChannels;
    this.featmapStrides = options.featmapStrides;
    this.finestScale = options.finestScale ?? 56;
  }

  get numInputs(): number {
    return this.featmapStrides.length;
  }

  /** Pools `rois` (k×5 typed array) from `feats` (NHWC levels, finest first). */
  forward(feats: tf.Tensor[], rois: Float32Array): tf.Tensor4D {
    const L = this.numInputs;
    if (feats.length < L) throw new DetError(`SingleRoIExtractor: got ${feats.length} feature levels for ${L} featmapStrides`);
    const C = feats[0].shape[3]!;
    if (this.outChannels !== undefined && C !== this.outChannels) {
      throw new DetError(`SingleRoIExtractor: features have ${C} channels, outChannels is ${this.outChannels}`);
    }
    const k = rois.length / 5;
    const [ph, pw] = this.outputSize;
    if (k === 0) return tf.zeros([0, ph, pw, C]);
    const levels = mapRoiLevels(rois, L, this.finestScale);
    return tf.tidy(() => {
      const order: number[] = [];
      const pooled: tf.Tensor4D[] = [];
      for (let l = 0; l < L; l++) {
        const members: number[] = [];
        for (let r = 0; r < k; r++) if (levels[r] === l) members.push(r);
        if (members.length === 0) continue;
        const lvlRois = new Float32Array(members.length * 5);
        members.forEach((r, j) => lvlRois.set(rois.subarray(r * 5, r * 5 + 5), j * 5));
        // host rois: roiAlign plans on them directly, no tensor to read back (webgpu-safe)
        pooled.push(roiAlign(feats[l] as tf.Tensor4D, lvlRois, {
          outputSize: this.outputSize, spatialScale: 1 / this.featmapStrides[l], samplingRatio: this.samplingRatio, aligned: this.aligned,
        }));
        order.push(...members);
      }
      const stacked = pooled.length === 1 ? pooled[0] : tf.concat(pooled, 0);
      // back to the input order: row r of the output is row inverse[r] of the level-sorted stack
      const inverse = new Int32Array(k);
      order.forEach((r, j) => (inverse[r] = j));
      const rows = gatherRowsWithGrad(tf.reshape(stacked, [k, -1]) as tf.Tensor2D, inverse);
      return tf.reshape(rows, [k, ph, pw, C]) as tf.Tensor4D;
    });
  }
}
