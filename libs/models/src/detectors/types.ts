// The batch and result shapes of docs/contracts.md, declared here structurally because
// @det/models may not import @det/data.

export interface ImgMeta {
  filename: string;
  imageId?: number;
  oriShape: [number, number, number];
  imgShape: [number, number, number];
  padShape: [number, number, number];
  /** resized = original · scaleFactor, as [sx, sy, sx, sy]. */
  scaleFactor: [number, number, number, number];
  flip: boolean;
  flipDirection?: 'horizontal' | 'vertical' | 'diagonal';
  batchInputShape?: [number, number];
}

export interface DetBatch {
  /** NHWC, normalised, padded to the batch's max size. */
  img: { data: Float32Array; shape: [number, number, number, number] };
  imgMetas: ImgMeta[];
  /** Per image, k·4 x1y1x2y2 in the resized-image frame. */
  gtBboxes?: Float32Array[];
  /** Per image, 0-based class indices. */
  gtLabels?: Int32Array[];
  gtBboxesIgnore?: Float32Array[];
  /** Test-time augmentations; augs[0] is this batch. */
  augs?: DetBatch[];
}

/** One per image, in the ORIGINAL image frame. */
export interface DetResult {
  bboxes: Float32Array;
  scores: Float32Array;
  labels: Int32Array;
}
