import { DetError } from '@det/registry';
import { numpyMean } from '../common/numpy-compat';
import { averagePrecision, type ApMode } from './average-precision';
import { bboxOverlaps } from './bbox-overlaps';

/** Ground truth of one image (MMDetection's `ann`): x1y1x2y2 boxes, 0-based labels. */
export interface VocAnnotation {
  bboxes: ArrayLike<number>;
  labels: ArrayLike<number>;
  /** Boxes that are neither TP nor FP when a detection hits them (VOC difficult, COCO crowd). */
  bboxesIgnore?: ArrayLike<number>;
  /** Label of each ignore box. Without it the ignore boxes are dropped, as in MMDetection. */
  labelsIgnore?: ArrayLike<number>;
}

/** `dets[image][label]`: n*5 flat rows x1, y1, x2, y2, score (MMDetection's det_results). */
export type VocDetections = ArrayLike<number>[][];

export interface VocEvalOptions {
  iouThr?: number;
  /** 'area' (VOC2010+, default) or '11points' (VOC2007). */
  mode?: ApMode;
  /** +1 on widths and heights (the VOC devkit's convention; MMDetection's VOCDataset uses it). */
  useLegacyCoordinate?: boolean;
  /** Class names, for the result and the table; also fixes the number of classes. */
  classes?: string[];
}

export interface VocClassResult {
  label: number;
  name: string;
  /** Non-ignored GT boxes. */
  numGts: number;
  numDets: number;
  tp: number;
  fp: number;
  /** Detections whose best match is an ignore box: neither TP nor FP. */
  ignored: number;
  /** Final recall (tp / numGts), 0 without GT. */
  recall: number;
  ap: number;
}

export interface VocEvalResult {
  /** Mean AP over the classes that have GT (0 when none has). */
  mAP: number;
  perClass: VocClassResult[];
}

const FLOAT32_EPS = 1.1920928955078125e-7;

function boxesOfLabel(boxes: ArrayLike<number> | undefined, labels: ArrayLike<number> | undefined, label: number): number[] {
  const out: number[] = [];
  if (!boxes || !labels) return out;
  for (let j = 0; j < labels.length; j++) {
    if (labels[j] === label) for (let q = 0; q < 4; q++) out.push(boxes[4 * j + q]);
  }
  return out;
}

/** Stable order of rows by score (column 4), highest first. */
function scoreOrder(rows: ArrayLike<number>, n: number): number[] {
  return Array.from({ length: n }, (_, i) => i).sort((x, y) => rows[5 * y + 4] - rows[5 * x + 4] || x - y);
}

/**
 * MMDetection's `tpfp_default` for one image and class (no area ranges): detections in score
 * order take their highest-IoU GT (regular or ignore); an ignore GT makes them neither TP nor
 * FP, a GT already taken makes them FP. Writes 1 into tp / fp at the detection's row.
 */
function tpfpImage(dets: ArrayLike<number>, n: number, gts: number[], ignores: number[], thr: number, legacy: boolean,
  tp: Uint8Array, fp: Uint8Array, offset: number): void {
  const nGt = gts.length / 4;
  const all = gts.concat(ignores);
  const total = all.length / 4;
  if (total === 0) {
    fp.fill(1, offset, offset + n);
    return;
  }
  const ious = new Float64Array(n * total);
  bboxOverlaps(dets, n, 5, all, total, legacy, ious);
  const covered = new Uint8Array(total);
  for (const i of scoreOrder(dets, n)) {
    let best = -Infinity, arg = 0;
    for (let j = 0; j < total; j++) if (ious[i * total + j] > best) { best = ious[i * total + j]; arg = j; }
    if (best >= thr) {
      if (arg >= nGt) continue; // an ignore box: neither TP nor FP
      if (!covered[arg]) {
        covered[arg] = 1;
        tp[offset + i] = 1;
      } else fp[offset + i] = 1;
    } else fp[offset + i] = 1;
  }
}

function checkInputs(dets: VocDetections, annotations: VocAnnotation[]): void {
  if (!Array.isArray(dets) || !Array.isArray(annotations) || dets.length !== annotations.length) {
    throw new DetError(`evaluateVoc: need one detection list and one annotation per image (got ${dets?.length} and ${annotations?.length})`);
  }
  dets.forEach((perClass, i) => perClass.forEach((rows, c) => {
    if (rows.length % 5 !== 0) throw new DetError(`evaluateVoc: dets[${i}][${c}] has ${rows.length} numbers, not a multiple of 5 (x1, y1, x2, y2, score)`);
  }));
  annotations.forEach((a, i) => {
    if (a.bboxes.length !== 4 * a.labels.length) {
      throw new DetError(`evaluateVoc: annotations[${i}] has ${a.bboxes.length / 4} boxes but ${a.labels.length} labels`);
    }
  });
}

/** MMDetection 2.x `eval_map` at one IoU threshold, without area ranges. */
export function evaluateVoc(dets: VocDetections, annotations: VocAnnotation[], options: VocEvalOptions = {}): VocEvalResult {
  checkInputs(dets, annotations);
  const { iouThr = 0.5, mode = 'area', useLegacyCoordinate = false } = options;
  const numClasses = options.classes?.length ?? Math.max(0, ...dets.map((d) => d.length));
  const perClass: VocClassResult[] = [];
  for (let c = 0; c < numClasses; c++) {
    const counts = dets.map((d) => (d[c]?.length ?? 0) / 5);
    const numDets = counts.reduce((a, b) => a + b, 0);
    const tp = new Uint8Array(numDets), fp = new Uint8Array(numDets), scores = new Float64Array(numDets);
    let numGts = 0, offset = 0;
    annotations.forEach((ann, i) => {
      const rows = dets[i][c] ?? [];
      const gts = boxesOfLabel(ann.bboxes, ann.labels, c);
      numGts += gts.length / 4;
      tpfpImage(rows, counts[i], gts, boxesOfLabel(ann.bboxesIgnore, ann.labelsIgnore, c), iouThr, useLegacyCoordinate, tp, fp, offset);
      for (let k = 0; k < counts[i]; k++) scores[offset + k] = rows[5 * k + 4];
      offset += counts[i];
    });
    // Across images: score order (stable), cumulative TP / FP, MMDetection's float32-eps guards.
    const order = Array.from({ length: numDets }, (_, i) => i).sort((x, y) => scores[y] - scores[x] || x - y);
    const recalls = new Float64Array(numDets), precisions = new Float64Array(numDets);
    let ctp = 0, cfp = 0;
    order.forEach((e, j) => {
      ctp += tp[e];
      cfp += fp[e];
      recalls[j] = ctp / Math.max(numGts, FLOAT32_EPS);
      precisions[j] = ctp / Math.max(ctp + cfp, FLOAT32_EPS);
    });
    perClass.push({
      label: c, name: options.classes?.[c] ?? String(c), numGts, numDets, tp: ctp, fp: cfp, ignored: numDets - ctp - cfp,
      recall: numGts ? ctp / numGts : 0, ap: averagePrecision(recalls, precisions, mode),
    });
  }
  const aps = perClass.filter((r) => r.numGts > 0).map((r) => r.ap);
  return { mAP: aps.length ? numpyMean(aps) : 0, perClass };
}
