import type { Rng } from '@det/registry';
import type { ImageBuffer } from '../image/image-buffer';
import type { FlipDirection } from '../image/geometry';
import type { AnnInfo, DataInfo } from '../datasets/types';

export type Shape3 = [number, number, number];
export type ScaleFactor = [number, number, number, number];

/** Per-image meta travelling with the batch (see ImgMeta in docs/contracts.md). */
export interface ImgMeta {
  filename: string;
  oriFilename?: string;
  imageId?: number;
  oriShape: Shape3;
  imgShape: Shape3;
  padShape: Shape3;
  scaleFactor: ScaleFactor;
  flip: boolean;
  flipDirection?: FlipDirection;
  imgNormCfg?: { mean: number[]; std: number[]; toRgb: boolean };
  batchInputShape?: [number, number];
  [key: string]: unknown;
}

/**
 * The dict a sample carries through the pipeline (MMDetection's `results`, camelCased).
 * Transforms read and write the keys they own; `bboxFields` lists which keys hold boxes.
 */
export interface PipelineResults {
  imgInfo: DataInfo;
  annInfo?: AnnInfo;
  filename?: string;
  oriFilename?: string;
  imageId?: number;
  img?: ImageBuffer;
  oriShape?: Shape3;
  imgShape?: Shape3;
  padShape?: Shape3;
  /** Target scale [w, h] chosen by Resize (or forced by MultiScaleFlipAug). */
  scale?: [number, number];
  scaleFactor?: ScaleFactor;
  keepRatio?: boolean;
  flip?: boolean;
  flipDirection?: FlipDirection;
  imgNormCfg?: { mean: number[]; std: number[]; toRgb: boolean };
  gtBboxes?: Float32Array;
  gtLabels?: Int32Array;
  gtBboxesIgnore?: Float32Array;
  bboxFields: string[];
  [key: string]: unknown;
}

/** What a training/test pipeline hands to the loader (after Collect). */
export interface CollectedSample {
  img: { data: Float32Array; shape: Shape3 };
  imgMetas: ImgMeta;
  gtBboxes?: Float32Array;
  gtLabels?: Int32Array;
  gtBboxesIgnore?: Float32Array;
  [key: string]: unknown;
}

/** Output of MultiScaleFlipAug: every augmentation of one image. */
export interface AugmentedSample {
  augs: CollectedSample[];
}

export type PipelineOutput = CollectedSample | AugmentedSample | PipelineResults;

export interface TransformContext {
  /** The only source of randomness for this sample (seeded per sample by the loader). */
  rng: Rng;
}

/** A pipeline step. Returning null drops the sample (e.g. a crop without boxes); the dataset picks another. */
export interface Transform {
  apply(results: PipelineResults, ctx: TransformContext): PipelineResults | null | Promise<PipelineResults | null>;
}
