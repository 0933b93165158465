// Which candidates a sampler picked, with their boxes and matched gts (MMDetection SamplingResult).
import * as tf from '@tensorflow/tfjs-core';
import { AssignResult } from '../assigners/assign-result';

export class SamplingResult {
  readonly posBboxes: tf.Tensor2D;
  readonly negBboxes: tf.Tensor2D;
  /** 1 where the positive is a gt box added as a proposal. */
  readonly posIsGt: Uint8Array;
  readonly numGts: number;
  /** 0-based gt index of each positive. */
  readonly posAssignedGtInds: Int32Array;
  /** Gt box of each positive ([0,4] when there are no gts). */
  readonly posGtBboxes: tf.Tensor2D;
  readonly posGtLabels: Int32Array | null;

  /**
   * `bboxes` are the candidates (gts first when they were added as proposals); the result owns
   * the tensors it gathers from them: call dispose() when done.
   */
  constructor(
    readonly posInds: Int32Array,
    readonly negInds: Int32Array,
    bboxes: tf.Tensor2D,
    gtBboxes: tf.Tensor2D,
    assignResult: AssignResult,
    gtFlags: Uint8Array,
  ) {
    this.posBboxes = gatherRows(bboxes, posInds);
    this.negBboxes = gatherRows(bboxes, negInds);
    this.posIsGt = Uint8Array.from(posInds, (i) => gtFlags[i]);
    this.numGts = gtBboxes.shape[0];
    this.posAssignedGtInds = Int32Array.from(posInds, (i) => assignResult.gtInds[i] - 1);
    this.posGtBboxes = gtBboxes.shape[0] === 0 ? tf.zeros([0, 4]) : gatherRows(gtBboxes, this.posAssignedGtInds);
    const labels = assignResult.labels;
    this.posGtLabels = labels ? Int32Array.from(posInds, (i) => labels[i]) : null;
  }

  /** Positives then negatives, [numPos + numNeg, 4] (a new tensor the caller disposes). */
  get bboxes(): tf.Tensor2D {
    return tf.concat([this.posBboxes, this.negBboxes], 0);
  }

  dispose(): void {
    tf.dispose([this.posBboxes, this.negBboxes, this.posGtBboxes]);
  }
}

function gatherRows(t: tf.Tensor2D, rows: Int32Array): tf.Tensor2D {
  return tf.tidy(() => {
    const four = t.shape[1] === 4 ? t : (tf.slice(t, [0, 0], [-1, 4]) as tf.Tensor2D);
    if (rows.length === 0) return tf.zeros([0, 4]) as tf.Tensor2D;
    return tf.gather(four, tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
  });
}
