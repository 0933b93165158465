import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../nn';
import { DetResult, ImgMeta } from '../detectors/types';

/** Raw head outputs per level, e.g. `{ clsScores, bboxPreds }` (NHWC maps). */
export type HeadOutputs = Record<string, tf.Tensor[]>;

export interface GtInputs {
  gtBboxes: Float32Array[];
  gtLabels: Int32Array[];
  gtBboxesIgnore?: Float32Array[];
  imgMetas: ImgMeta[];
}

export interface GetBboxesOptions {
  /** Divide boxes by each image's scaleFactor (back to the original frame). */
  rescale?: boolean;
  /** False returns every candidate (for test-time augmentation, which runs NMS after merging). */
  withNms?: boolean;
}

/** MMDetection's test_cfg of dense heads. */
export interface DenseTestCfg {
  nmsPre?: number;
  minBboxSize?: number;
  scoreThr?: number;
  nms?: { type?: string; iouThreshold: number };
  maxPerImg?: number;
}

/** What a detector needs from a dense (single-stage) head. */
export abstract class DenseHead extends Module {
  abstract readonly numClasses: number;
  abstract readonly testCfg: DenseTestCfg;
  abstract forward(feats: tf.Tensor[]): HeadOutputs;
  /** Named scalar losses (keys contain 'loss'); gradients flow through the head outputs. */
  abstract loss(outs: HeadOutputs, gt: GtInputs): Record<string, tf.Scalar>;
  /**
   * Detections per image, in the network-input frame unless rescaled. Async so heads can read
   * their outputs with `await data()` (webgpu has no synchronous reads).
   */
  abstract getBboxes(outs: HeadOutputs, imgMetas: ImgMeta[], options?: GetBboxesOptions): Promise<DetResult[]>;
}
