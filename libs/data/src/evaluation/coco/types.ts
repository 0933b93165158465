/** COCO annotation-file and results shapes as evaluation reads them (extra keys are allowed). */

export interface CocoImage {
  id: number;
  [key: string]: unknown;
}

export interface CocoCategory {
  id: number;
  name?: string;
  [key: string]: unknown;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** [x, y, w, h] */
  bbox: number[];
  /** Used for the GT's area range (may be a mask area, not w*h). */
  area: number;
  /** 1 marks a crowd region: ignored, and matched by intersection over detection area. */
  iscrowd?: number | boolean;
  [key: string]: unknown;
}

export interface CocoGtDict {
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
  [key: string]: unknown;
}

/** One detection in the COCO results format. */
export interface CocoResult {
  image_id: number;
  category_id: number;
  /** [x, y, w, h] */
  bbox: number[];
  score: number;
  [key: string]: unknown;
}

/** COCOeval `Params` for iouType 'bbox' (camelCase as in pycocotools). */
export interface CocoEvalParams {
  /** IoU thresholds (default np.linspace(.5, .95, 10)). */
  iouThrs: number[];
  /** Recall thresholds (default np.linspace(0, 1, 101)). */
  recThrs: number[];
  /** Detections kept per image and category (default [1, 10, 100]); sorted ascending. */
  maxDets: number[];
  /** [min, max] GT / detection areas, inclusive (default all/small/medium/large). */
  areaRng: [number, number][];
  areaRngLbl: string[];
  /** false: categories are ignored (proposal recall), as pycocotools' useCats=0. */
  useCats: boolean;
  /** Images evaluated (default every GT image), sorted and unique. */
  imgIds: number[];
  /** Categories evaluated (default every GT category), sorted and unique. */
  catIds: number[];
}

/** A dense float64 array in C order, dims as in pycocotools. */
export interface NdArray {
  data: Float64Array;
  shape: number[];
}

export interface CocoEvalResult {
  /** COCOeval.stats: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl (-1: undefined). */
  stats: number[];
  /** [T, R, K, A, M]; -1 where a category has no non-ignored GT. */
  precision: NdArray;
  /** [T, K, A, M]. */
  recall: NdArray;
  /** AP@[.50:.95] per category id (area 'all', largest maxDets); -1 for categories without GT. */
  perCategory: Record<string, number>;
  params: CocoEvalParams;
}
