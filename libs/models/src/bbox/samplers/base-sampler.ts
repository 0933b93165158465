// Shared sampling flow of MMDetection's BaseSampler: optional gts as proposals, then positives
// up to num·posFraction, negatives for the rest (bounded by negPosUb · positives).
import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';
import { AssignResult } from '../assigners/assign-result';
import { LabelsInput, readLabels } from '../assigners/max-iou-assigner';
import { SamplingResult } from './sampling-result';

export interface SamplerOptions {
  /** Total candidates to sample per image. */
  num: number;
  posFraction: number;
  /** Negatives ≤ negPosUb · max(1, positives); < 0 = no bound. */
  negPosUb?: number;
  /** Prepend the gt boxes to the candidates (assigned to themselves). */
  addGtAsProposals?: boolean;
}

/** Candidate indices where `gtInds` passes `test`, ascending. */
export function indicesWhere(gtInds: Int32Array, test: (v: number) => boolean): Int32Array {
  // counted first, then filled: no growing JS array for the ~10⁵ negatives of an anchor head
  let count = 0;
  for (let i = 0; i < gtInds.length; i++) if (test(gtInds[i])) count++;
  const out = new Int32Array(count);
  for (let i = 0, o = 0; i < gtInds.length; i++) if (test(gtInds[i])) out[o++] = i;
  return out;
}

/** Candidates with gtInds > 0 and with gtInds === 0, ascending: one counting pass, one filling pass. */
export function positivesAndNegatives(gtInds: Int32Array): { posInds: Int32Array; negInds: Int32Array } {
  let numPos = 0;
  let numNeg = 0;
  for (let i = 0; i < gtInds.length; i++) {
    if (gtInds[i] > 0) numPos++;
    else if (gtInds[i] === 0) numNeg++;
  }
  const posInds = new Int32Array(numPos);
  const negInds = new Int32Array(numNeg);
  for (let i = 0, p = 0, n = 0; i < gtInds.length; i++) {
    if (gtInds[i] > 0) posInds[p++] = i;
    else if (gtInds[i] === 0) negInds[n++] = i;
  }
  return { posInds, negInds };
}

export abstract class BaseSampler {
  readonly num: number;
  readonly posFraction: number;
  readonly negPosUb: number;
  readonly addGtAsProposals: boolean;

  constructor(options: SamplerOptions, name: string) {
    if (!Number.isInteger(options?.num) || options.num < 0) {
      throw new DetError(`${name}: 'num' must be an integer >= 0, got ${JSON.stringify(options?.num)}`);
    }
    if (typeof options.posFraction !== 'number' || options.posFraction < 0 || options.posFraction > 1) {
      throw new DetError(`${name}: 'posFraction' must be in [0, 1], got ${JSON.stringify(options.posFraction)}`);
    }
    this.num = options.num;
    this.posFraction = options.posFraction;
    this.negPosUb = options.negPosUb ?? -1;
    this.addGtAsProposals = options.addGtAsProposals ?? true;
  }

  protected abstract samplePos(assignResult: AssignResult, numExpected: number): Int32Array;
  protected abstract sampleNeg(assignResult: AssignResult, numExpected: number): Int32Array;

  /**
   * Samples candidates `bboxes` [n,4] after assignment. With addGtAsProposals the gts are
   * prepended and `assignResult` is extended in place (as MMDetection does).
   */
  sample(assignResult: AssignResult, bboxes: tf.Tensor2D, gtBboxes: tf.Tensor2D, gtLabels?: LabelsInput): SamplingResult {
    let candidates = bboxes.shape[1] === 4 ? bboxes : (tf.slice(bboxes, [0, 0], [-1, 4]) as tf.Tensor2D);
    const numGts = gtBboxes.shape[0];
    // labels are read (synchronously, for a tensor) only when the gts join the candidates
    const picked = this.sampleData(assignResult, numGts, this.addGtAsProposals && numGts > 0 ? readLabels(gtLabels) : undefined);
    let owned: tf.Tensor | undefined = candidates === bboxes ? undefined : candidates;
    let gtFlags = new Uint8Array(bboxes.shape[0]);
    if (picked.gtsPrepended) {
      candidates = tf.concat([gtBboxes, candidates], 0);
      if (owned) owned.dispose();
      owned = candidates;
      gtFlags = new Uint8Array(numGts + gtFlags.length);
      gtFlags.fill(1, 0, numGts);
    }
    const result = new SamplingResult(picked.posInds, picked.negInds, candidates, gtBboxes, assignResult, gtFlags);
    owned?.dispose();
    return result;
  }

  /**
   * `sample` on indices alone: the same picks (and random draws) with no tensor, for callers that
   * need only which candidates were taken (anchor heads; no uploads on device backends).
   * Indices count the prepended gts first when `gtsPrepended`.
   */
  sampleData(assignResult: AssignResult, numGts: number, gtLabels?: Int32Array): SampledIndices {
    let gtsPrepended = false;
    if (this.addGtAsProposals && numGts > 0) {
      if (!gtLabels) throw new DetError('sampler: addGtAsProposals needs gtLabels');
      assignResult.addGt(gtLabels);
      gtsPrepended = true;
    }
    const numExpectedPos = Math.floor(this.num * this.posFraction);
    const posInds = this.samplePos(assignResult, numExpectedPos);
    let numExpectedNeg = this.num - posInds.length;
    if (this.negPosUb >= 0) {
      numExpectedNeg = Math.min(numExpectedNeg, Math.floor(this.negPosUb * Math.max(1, posInds.length)));
    }
    const negInds = this.sampleNeg(assignResult, numExpectedNeg);
    return { posInds, negInds, posAssignedGtInds: assignedGtInds(assignResult, posInds), gtsPrepended };
  }
}

/** Which candidates a sampler took, as indices (see BaseSampler.sampleData). */
export interface SampledIndices {
  posInds: Int32Array;
  negInds: Int32Array;
  /** 0-based gt index of each positive. */
  posAssignedGtInds: Int32Array;
  /** The gts were prepended to the candidates (addGtAsProposals), so indices count them first. */
  gtsPrepended: boolean;
}

/** 0-based gt of each positive (gtInds stores k + 1 for gt k), as SamplingResult computes it. */
export function assignedGtInds(assignResult: AssignResult, posInds: Int32Array): Int32Array {
  return Int32Array.from(posInds, (i) => assignResult.gtInds[i] - 1);
}
