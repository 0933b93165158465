import * as tf from '@tensorflow/tfjs-core';
import { boxesTensor, gatherRows } from './head-utils';

/** The assigner / sampler / coder calls an anchor head needs (structural: any registered ones fit). */
export interface TargetComponents {
  assigner: { assign(bboxes: tf.Tensor2D, gt: tf.Tensor2D, ignore?: tf.Tensor2D, labels?: Int32Array): unknown };
  sampler: {
    sample(assignResult: unknown, bboxes: tf.Tensor2D, gt: tf.Tensor2D, labels?: Int32Array): {
      posInds: Int32Array;
      negInds: Int32Array;
      posAssignedGtInds: Int32Array;
      posBboxes: tf.Tensor2D;
      posGtBboxes: tf.Tensor2D;
      dispose(): void;
    };
  };
  coder: { encode(bboxes: tf.Tensor2D, gt: tf.Tensor2D): tf.Tensor2D };
}

export interface ImageTargets {
  /** Per anchor: class index, numClasses for background. */
  labels: Int32Array;
  /** Per anchor: 1 for sampled positives/negatives (posWeight for positives), 0 otherwise. */
  labelWeights: Float32Array;
  /** Anchor indices of the positives and their regression targets (4 each). */
  posInds: Int32Array;
  posTargets: Float32Array;
  numNeg: number;
}

export interface ImageTargetInputs {
  anchors: Float32Array;
  validFlags: Uint8Array;
  gtBboxes: Float32Array;
  gtLabels: Int32Array;
  gtBboxesIgnore?: Float32Array;
  numClasses: number;
  /** Regress to the gt boxes themselves (IoU-type losses) rather than to encoded deltas. */
  regDecodedBbox: boolean;
  posWeight: number;
}

/**
 * MMDetection's AnchorHead._get_targets_single on typed arrays: assign the valid anchors to gts,
 * sample, and encode the positives' targets. No gradients are involved.
 */
export function anchorTargetsSingle(x: ImageTargetInputs, parts: TargetComponents): ImageTargets {
  const numAnchors = x.anchors.length / 4;
  const validIdx: number[] = [];
  for (let i = 0; i < numAnchors; i++) if (x.validFlags[i]) validIdx.push(i);
  const labels = new Int32Array(numAnchors).fill(x.numClasses);
  const labelWeights = new Float32Array(numAnchors);
  const valid = tf.tensor2d(gatherRows(x.anchors, 4, validIdx), [validIdx.length, 4]);
  const gt = boxesTensor(x.gtBboxes, 'gtBboxes');
  const ignore = x.gtBboxesIgnore && x.gtBboxesIgnore.length ? boxesTensor(x.gtBboxesIgnore, 'gtBboxesIgnore') : undefined;
  try {
    const assigned = parts.assigner.assign(valid, gt, ignore, x.gtLabels);
    const sampled = parts.sampler.sample(assigned, valid, gt, x.gtLabels);
    try {
      const posInds = Int32Array.from(sampled.posInds, (i) => validIdx[i]);
      const targets = x.regDecodedBbox ? tf.clone(sampled.posGtBboxes) : parts.coder.encode(sampled.posBboxes, sampled.posGtBboxes);
      const posTargets = targets.dataSync() as Float32Array;
      targets.dispose();
      posInds.forEach((a, j) => {
        labels[a] = x.gtLabels[sampled.posAssignedGtInds[j]];
        labelWeights[a] = x.posWeight > 0 ? x.posWeight : 1;
      });
      for (const i of sampled.negInds) labelWeights[validIdx[i]] = 1;
      return { labels, labelWeights, posInds, posTargets: Float32Array.from(posTargets), numNeg: sampled.negInds.length };
    } finally {
      sampled.dispose();
    }
  } finally {
    tf.dispose([valid, gt, ...(ignore ? [ignore] : [])]);
  }
}
