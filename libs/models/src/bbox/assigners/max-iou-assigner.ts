// MMDetection 2.x MaxIoUAssigner: each candidate box goes to the gt it overlaps most.
import * as tf from '@tensorflow/tfjs-core';
import { BBOX_ASSIGNERS, DetError } from '@det/registry';
import { bboxOverlapsTyped } from '../../ops/iou-typed';
import { AssignResult } from './assign-result';
import { SparseOverlaps, sparseOverlaps } from './sparse-overlaps';

export interface MaxIoUAssignerOptions {
  /** IoU ≥ posIouThr → positive. */
  posIouThr: number;
  /** IoU in [0, negIouThr) → negative; or IoU in [lo, hi) with a pair. */
  negIouThr: number | [number, number];
  /** A gt's best candidates become positive (low-quality matches) when that IoU ≥ minPosIou. */
  minPosIou?: number;
  /** Low-quality matching gives the gt every candidate tied at its max IoU, not just the first. */
  gtMaxAssignAll?: boolean;
  /** Candidates whose IoF with an ignore box exceeds this are ignored (-1); ≤ 0 disables. */
  ignoreIofThr?: number;
  /** IoF over the candidate's area (true) or over the ignore box's area (false). */
  ignoreWrtCandidates?: boolean;
  matchLowQuality?: boolean;
}

/** Accepts labels as a tensor or typed array. */
export type LabelsInput = tf.Tensor | Int32Array | number[];

/**
 * Labels as an Int32Array. A tensor is read synchronously, which only host-resident tensors
 * allow on webgpu: use `assignAsync` or `assignData` there.
 */
export function readLabels(labels: LabelsInput | undefined): Int32Array | undefined {
  if (labels === undefined) return undefined;
  if (labels instanceof tf.Tensor) return Int32Array.from(labels.dataSync());
  return Int32Array.from(labels);
}

/** x1,y1,x2,y2 of each row of flat [n, cols] data. */
function firstFourColumns(data: ArrayLike<number>, rows: number, cols: number): ArrayLike<number> {
  if (cols === 4) return data;
  const out = new Float32Array(rows * 4);
  for (let i = 0; i < rows; i++) for (let k = 0; k < 4; k++) out[i * 4 + k] = data[i * cols + k];
  return out;
}

function checkFlatBoxes(data: ArrayLike<number>, name: string): number {
  if (data.length % 4 !== 0) throw new DetError(`MaxIoUAssigner.assignData: '${name}' must be flat n·4 xyxy, got ${data.length} numbers`);
  return data.length / 4;
}

@BBOX_ASSIGNERS.register()
export class MaxIoUAssigner {
  readonly posIouThr: number;
  readonly negIouThr: number | [number, number];
  readonly minPosIou: number;
  readonly gtMaxAssignAll: boolean;
  readonly ignoreIofThr: number;
  readonly ignoreWrtCandidates: boolean;
  readonly matchLowQuality: boolean;

  constructor(options: MaxIoUAssignerOptions) {
    if (typeof options?.posIouThr !== 'number') {
      throw new DetError(`MaxIoUAssigner: 'posIouThr' must be a number, got ${JSON.stringify(options?.posIouThr)}`);
    }
    const neg = options.negIouThr;
    if (!(typeof neg === 'number' || (Array.isArray(neg) && neg.length === 2))) {
      throw new DetError(`MaxIoUAssigner: 'negIouThr' must be a number or [lo, hi], got ${JSON.stringify(neg)}`);
    }
    this.posIouThr = options.posIouThr;
    this.negIouThr = neg;
    this.minPosIou = options.minPosIou ?? 0;
    this.gtMaxAssignAll = options.gtMaxAssignAll ?? true;
    this.ignoreIofThr = options.ignoreIofThr ?? -1;
    this.ignoreWrtCandidates = options.ignoreWrtCandidates ?? true;
    this.matchLowQuality = options.matchLowQuality ?? true;
  }

  /**
   * Assigns `bboxes` [n,4+] to `gtBboxes` [g,4]. Labels, when given, fill AssignResult.labels.
   * Reads the tensors synchronously: on webgpu use `assignAsync` (or `assignData` on host arrays).
   */
  assign(bboxes: tf.Tensor2D, gtBboxes: tf.Tensor2D, gtBboxesIgnore?: tf.Tensor2D, gtLabels?: LabelsInput): AssignResult {
    const boxes = firstFourColumns(bboxes.dataSync(), bboxes.shape[0], bboxes.shape[1]);
    const ignore = gtBboxesIgnore ? gtBboxesIgnore.dataSync() : undefined;
    return this.assignData(boxes, gtBboxes.dataSync(), ignore, readLabels(gtLabels));
  }

  /** `assign` that reads its tensors once with `await data()` (works on every backend). */
  async assignAsync(bboxes: tf.Tensor2D, gtBboxes: tf.Tensor2D, gtBboxesIgnore?: tf.Tensor2D, gtLabels?: LabelsInput): Promise<AssignResult> {
    const [boxData, gtData, ignoreData, labelData] = await Promise.all([
      bboxes.data(), gtBboxes.data(), gtBboxesIgnore?.data(), gtLabels instanceof tf.Tensor ? gtLabels.data() : undefined,
    ]);
    const labels = labelData ? Int32Array.from(labelData) : readLabels(gtLabels as Int32Array | number[] | undefined);
    return this.assignData(firstFourColumns(boxData, bboxes.shape[0], bboxes.shape[1]), gtData, ignoreData, labels);
  }

  /**
   * The assignment on host arrays: candidates and gts as flat n·4 / g·4 xyxy. Host arrays: the
   * [numGts, numBoxes] matrix is consumed on the CPU anyway, and typed arithmetic avoids a dozen
   * [g, n] tensor intermediates (bit-identical to bboxOverlaps).
   */
  assignData(bboxes: ArrayLike<number>, gtBboxes: ArrayLike<number>, gtBboxesIgnore?: ArrayLike<number>, gtLabels?: Int32Array): AssignResult {
    const numBoxes = checkFlatBoxes(bboxes, 'bboxes');
    const numGts = checkFlatBoxes(gtBboxes, 'gtBboxes');
    if (gtLabels && gtLabels.length !== numGts) {
      throw new DetError(`MaxIoUAssigner: ${gtLabels.length} gt labels for ${numGts} gt boxes`);
    }
    const ignoring = !!gtBboxesIgnore && gtBboxesIgnore.length > 0 && this.ignoreIofThr > 0;
    if (numGts > 0 && numBoxes > 0 && !ignoring) {
      const sparse = this.assignSparse(sparseOverlaps(gtBboxes, bboxes), numGts, numBoxes, gtLabels);
      if (sparse) return sparse;
    }
    let overlaps: Float32Array = new Float32Array(0);
    if (numGts > 0 && numBoxes > 0) {
      overlaps = bboxOverlapsTyped(gtBboxes, bboxes);
      if (gtBboxesIgnore && gtBboxesIgnore.length > 0 && this.ignoreIofThr > 0) {
        const ignored = this.ignoredCandidates(bboxes, gtBboxesIgnore);
        for (let j = 0; j < numBoxes; j++) {
          if (ignored[j]) for (let g = 0; g < numGts; g++) overlaps[g * numBoxes + j] = -1;
        }
      }
    }
    return this.assignWrtOverlaps(overlaps, numGts, numBoxes, gtLabels);
  }

  /** Per candidate: whether its best IoF with an ignore box exceeds ignoreIofThr. */
  private ignoredCandidates(boxes: ArrayLike<number>, ignore: ArrayLike<number>): Uint8Array {
    const n = boxes.length / 4;
    const m = ignore.length / 4;
    const out = new Uint8Array(n);
    const thr = Math.fround(this.ignoreIofThr);
    // IoF over the candidate's area ([n, m]) or over the ignore box's area ([m, n]).
    const iof = this.ignoreWrtCandidates
      ? bboxOverlapsTyped(boxes, ignore, { mode: 'iof' })
      : bboxOverlapsTyped(ignore, boxes, { mode: 'iof' });
    for (let j = 0; j < n; j++) {
      let best = -Infinity;
      for (let k = 0; k < m; k++) best = Math.max(best, this.ignoreWrtCandidates ? iof[j * m + k] : iof[k * n + j]);
      out[j] = best > thr ? 1 : 0;
    }
    return out;
  }

  /** The assignment rules on a [numGts, numBoxes] overlap matrix (row-major). */
  assignWrtOverlaps(overlaps: ArrayLike<number>, numGts: number, numBoxes: number, gtLabels?: Int32Array): AssignResult {
    const gtInds = new Int32Array(numBoxes).fill(-1);
    const maxOverlaps = new Float32Array(numBoxes);
    if (numGts === 0 || numBoxes === 0) {
      if (numGts === 0) gtInds.fill(0);
      return new AssignResult(numGts, gtInds, maxOverlaps, gtLabels ? new Int32Array(numBoxes).fill(-1) : null);
    }
    // Best gt per candidate (first on ties, as torch.max).
    const argmax = new Int32Array(numBoxes);
    for (let j = 0; j < numBoxes; j++) {
      let best = overlaps[j];
      let arg = 0;
      for (let g = 1; g < numGts; g++) {
        const v = overlaps[g * numBoxes + j];
        if (v > best) {
          best = v;
          arg = g;
        }
      }
      maxOverlaps[j] = best;
      argmax[j] = arg;
    }
    this.applyThresholds(maxOverlaps, argmax, gtInds);
    const minPos = Math.fround(this.minPosIou);
    if (this.matchLowQuality) {
      // Later gts overwrite earlier ones on shared candidates, as in MMDetection's loop.
      for (let g = 0; g < numGts; g++) {
        let best = -Infinity;
        let arg = 0;
        for (let j = 0; j < numBoxes; j++) {
          const v = overlaps[g * numBoxes + j];
          if (v > best) {
            best = v;
            arg = j;
          }
        }
        if (!(best >= minPos)) continue;
        if (this.gtMaxAssignAll) {
          for (let j = 0; j < numBoxes; j++) if (overlaps[g * numBoxes + j] === best) gtInds[j] = g + 1;
        } else gtInds[arg] = g + 1;
      }
    }
    return this.result(numGts, gtInds, maxOverlaps, gtLabels);
  }

  /**
   * assignWrtOverlaps on the sparse reductions (same result, no [numGts, numBoxes] pass per rule).
   * Undefined when a gt meets no candidate while low-quality matching would give it every
   * candidate at IoU 0: that rare case needs the dense rules.
   */
  private assignSparse(o: SparseOverlaps, numGts: number, numBoxes: number, gtLabels?: Int32Array): AssignResult | undefined {
    const minPos = Math.fround(this.minPosIou);
    if (this.matchLowQuality && Array.from(o.gtMax).some((best) => best === 0 && best >= minPos)) return undefined;
    const gtInds = new Int32Array(numBoxes).fill(-1);
    this.applyThresholds(o.maxOverlaps, o.argmax, gtInds);
    if (this.matchLowQuality) {
      // as the dense loop: gts in order (later ones overwrite), each best > 0 so only hits reach it
      for (let g = 0; g < numGts; g++) {
        const best = o.gtMax[g];
        if (!(best >= minPos)) continue;
        const { index, iou } = o.hits[g];
        for (let h = 0; h < index.length; h++) {
          if (iou[h] !== best) continue;
          gtInds[index[h]] = g + 1;
          if (!this.gtMaxAssignAll) break; // the first candidate at the max
        }
      }
    }
    return this.result(numGts, gtInds, o.maxOverlaps, gtLabels);
  }

  /** Negatives and positives from each candidate's best IoU (in place on gtInds). */
  private applyThresholds(maxOverlaps: Float32Array, argmax: Int32Array, gtInds: Int32Array): void {
    // Thresholds compared in float32, as torch compares a float32 tensor with a Python float.
    const [negLo, negHi] = (typeof this.negIouThr === 'number' ? [0, this.negIouThr] : this.negIouThr).map(Math.fround);
    const posThr = Math.fround(this.posIouThr);
    for (let j = 0; j < gtInds.length; j++) {
      const o = maxOverlaps[j];
      if (o >= negLo && o < negHi) gtInds[j] = 0;
      if (o >= posThr) gtInds[j] = argmax[j] + 1;
    }
  }

  private result(numGts: number, gtInds: Int32Array, maxOverlaps: Float32Array, gtLabels?: Int32Array): AssignResult {
    let labels: Int32Array | null = null;
    if (gtLabels) {
      labels = new Int32Array(gtInds.length).fill(-1);
      for (let j = 0; j < gtInds.length; j++) if (gtInds[j] > 0) labels[j] = gtLabels[gtInds[j] - 1];
    }
    return new AssignResult(numGts, gtInds, maxOverlaps, labels);
  }
}
