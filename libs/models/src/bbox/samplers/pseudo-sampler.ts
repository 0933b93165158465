// MMDetection PseudoSampler: takes every positive and every negative (one-stage heads).
import * as tf from '@tensorflow/tfjs-core';
import { BBOX_SAMPLERS } from '@det/registry';
import { AssignResult } from '../assigners/assign-result';
import { SampledIndices, assignedGtInds, positivesAndNegatives } from './base-sampler';
import { SamplingResult } from './sampling-result';

@BBOX_SAMPLERS.register()
export class PseudoSampler {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  constructor(_options: Record<string, unknown> = {}) {}

  sample(assignResult: AssignResult, bboxes: tf.Tensor2D, gtBboxes: tf.Tensor2D): SamplingResult {
    const { posInds, negInds } = this.sampleData(assignResult);
    return new SamplingResult(posInds, negInds, bboxes, gtBboxes, assignResult, new Uint8Array(bboxes.shape[0]));
  }

  /** `sample` on indices alone (no tensors): every positive and every negative. */
  sampleData(assignResult: AssignResult): SampledIndices {
    const { posInds, negInds } = positivesAndNegatives(assignResult.gtInds);
    return { posInds, negInds, posAssignedGtInds: assignedGtInds(assignResult, posInds), gtsPrepended: false };
  }
}
