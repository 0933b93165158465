/** Annotations of one image in det's middle format (MMDetection's `ann`), in original pixels. */
export interface AnnInfo {
  /** k*4 x1y1x2y2. */
  bboxes: Float32Array;
  /** k contiguous 0-based labels into `classes`. */
  labels: Int32Array;
  /** m*4 boxes to ignore in training (COCO iscrowd, VOC difficult). */
  bboxesIgnore: Float32Array;
  /** Labels of the ignore boxes where the format has them (COCO crowd, VOC difficult). */
  labelsIgnore?: Int32Array;
}

/** One entry of a dataset: the image file (relative to the image root) and its annotations. */
export interface DataInfo {
  filename: string;
  width: number;
  height: number;
  /** The annotation file's image id (COCO `id`), when it has one. */
  id?: number;
  ann?: AnnInfo;
}

/** The middle format as stored in a CustomDataset JSON file (plain arrays). */
export interface MiddleFormatEntry {
  filename: string;
  width: number;
  height: number;
  id?: number;
  ann?: { bboxes: number[][]; labels: number[]; bboxesIgnore?: number[][] };
}

/** Detections of one image in the ORIGINAL image frame (see docs/contracts.md). */
export interface DetResult {
  bboxes: Float32Array;
  scores: Float32Array;
  labels: Int32Array;
}

/** COCO results format, one detection. */
export interface CocoDetection {
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
}

/** The parts of a COCO annotation file the metrics read. */
export interface CocoGt {
  images: { id: number; file_name: string; width: number; height: number; [k: string]: unknown }[];
  annotations: {
    id: number; image_id: number; category_id: number; bbox: number[]; area: number; iscrowd: number;
    ignore?: number; [k: string]: unknown;
  }[];
  categories: { id: number; name: string; [k: string]: unknown }[];
}

/** What samplers and loaders need from any dataset (file datasets and wrappers alike). */
export interface DetDataset {
  readonly classes: string[];
  readonly length: number;
  /** Aspect-ratio group per sample: 1 if width / height > 1. */
  readonly flag: Uint8Array;
  getItem(i: number, rng?: import('@det/registry').Rng): Promise<import('../pipelines/types').PipelineOutput>;
  getAnnInfo(i: number): AnnInfo;
  /** The DATASETS config that rebuilds this dataset (loader workers need it). */
  config?(): import('@det/registry').ComponentConfig;
}
