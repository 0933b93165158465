import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';
import { boxesTensor, gatherRows } from './head-utils';

/** The assigner / sampler / coder calls an anchor head needs (structural: any registered ones fit). */
/**
 * The assigner / sampler / coder calls an anchor head needs (structural: any registered ones fit).
 * `assignData` / `encodeData` work on host arrays and are used when present, so target
 * assignment never reads a tensor back (webgpu has no synchronous reads).
 */
export interface TargetComponents {
  assigner: {
    assign(bboxes: tf.Tensor2D, gt: tf.Tensor2D, ignore?: tf.Tensor2D, labels?: Int32Array): unknown;
    assignData?(bboxes: Float32Array, gt: Float32Array, ignore?: Float32Array, labels?: Int32Array): unknown;
  };
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
  coder: {
    encode(bboxes: tf.Tensor2D, gt: tf.Tensor2D): tf.Tensor2D;
    encodeData?(bboxes: Float32Array, gt: Float32Array): Float32Array;
  };
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
 * sample, and encode the positives' targets. No gradients are involved, and with a host-array
 * assigner and coder (MaxIoUAssigner, DeltaXYWHBBoxCoder) nothing is read back from a device.
 */
export function anchorTargetsSingle(x: ImageTargetInputs, parts: TargetComponents): ImageTargets {
  const numAnchors = x.anchors.length / 4;
  const validIdx: number[] = [];
  for (let i = 0; i < numAnchors; i++) if (x.validFlags[i]) validIdx.push(i);
  const labels = new Int32Array(numAnchors).fill(x.numClasses);
  const labelWeights = new Float32Array(numAnchors);
  const validBoxes = gatherRows(x.anchors, 4, validIdx);
  const gtData = x.gtBboxes ?? new Float32Array(0);
  const ignoreData = x.gtBboxesIgnore && x.gtBboxesIgnore.length ? x.gtBboxesIgnore : undefined;
  // The sampler's interface takes tensors; they are made from host data and never read back.
  const valid = tf.tensor2d(validBoxes, [validIdx.length, 4]);
  const gt = boxesTensor(gtData, 'gtBboxes');
  const ignore = ignoreData ? boxesTensor(ignoreData, 'gtBboxesIgnore') : undefined;
  try {
    const assigned = parts.assigner.assignData
      ? parts.assigner.assignData(validBoxes, gtData, ignoreData, x.gtLabels)
      : parts.assigner.assign(valid, gt, ignore, x.gtLabels);
    const sampled = parts.sampler.sample(assigned, valid, gt, x.gtLabels);
    try {
      const posInds = Int32Array.from(sampled.posInds, (i) => validIdx[i]);
      const posGt = gatherRows(gtData, 4, sampled.posAssignedGtInds);
      const posTargets = x.regDecodedBbox ? posGt : encodeTargets(parts.coder, gatherRows(validBoxes, 4, sampled.posInds), posGt);
      posInds.forEach((a, j) => {
        labels[a] = x.gtLabels[sampled.posAssignedGtInds[j]];
        labelWeights[a] = x.posWeight > 0 ? x.posWeight : 1;
      });
      for (const i of sampled.negInds) labelWeights[validIdx[i]] = 1;
      return { labels, labelWeights, posInds, posTargets, numNeg: sampled.negInds.length };
    } finally {
      sampled.dispose();
    }
  } finally {
    tf.dispose([valid, gt, ...(ignore ? [ignore] : [])]);
  }
}

/** Regression targets of the positives, on the host when the coder can (see TargetComponents). */
function encodeTargets(coder: TargetComponents['coder'], posBboxes: Float32Array, posGt: Float32Array): Float32Array {
  if (coder.encodeData) return coder.encodeData(posBboxes, posGt);
  const name = (coder as object).constructor?.name ?? 'the bbox coder';
  throw new DetError(`${name} has no encodeData(bboxes, gtBboxes) on host arrays, which anchor heads need for their targets (see DeltaXYWHBBoxCoder.encodeData)`);
}
