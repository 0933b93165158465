import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';
import { boxesTensor, gatherRows } from './head-utils';

/**
 * The assigner / sampler / coder calls an anchor head needs (structural: any registered ones fit).
 * `assignData` / `sampleData` / `encodeData` work on host arrays and are used when present, so
 * target assignment never reads a tensor back (webgpu has no synchronous reads) and, with both
 * assignData and sampleData, makes no tensor at all (no uploads on device backends).
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
    sampleData?(assignResult: unknown, numGts: number, gtLabels?: Int32Array): { posInds: Int32Array; negInds: Int32Array; posAssignedGtInds: Int32Array };
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
  const validIdx = validIndices(x.validFlags, numAnchors);
  // all anchors valid (images of one size): the anchors themselves, no copy
  const validBoxes = validIdx.length === numAnchors ? x.anchors : gatherRows(x.anchors, 4, validIdx);
  const gtData = x.gtBboxes ?? new Float32Array(0);
  const ignoreData = x.gtBboxesIgnore && x.gtBboxesIgnore.length ? x.gtBboxesIgnore : undefined;
  const { assigner, sampler } = parts;
  let picked: { posInds: Int32Array; negInds: Int32Array; posAssignedGtInds: Int32Array };
  if (assigner.assignData && sampler.sampleData) {
    if (gtData.length % 4 !== 0) throw new DetError(`gtBboxes: box array length ${gtData.length} is not a multiple of 4`);
    picked = sampler.sampleData(assigner.assignData(validBoxes, gtData, ignoreData, x.gtLabels), gtData.length / 4, x.gtLabels);
  } else {
    picked = sampleWithTensors(validBoxes, validIdx.length, gtData, ignoreData, x.gtLabels, parts);
  }
  const labels = new Int32Array(numAnchors).fill(x.numClasses);
  const labelWeights = new Float32Array(numAnchors);
  const posInds = Int32Array.from(picked.posInds, (i) => validIdx[i]);
  const posGt = gatherRows(gtData, 4, picked.posAssignedGtInds);
  const posTargets = x.regDecodedBbox ? posGt : encodeTargets(parts.coder, gatherRows(validBoxes, 4, picked.posInds), posGt);
  posInds.forEach((a, j) => {
    labels[a] = x.gtLabels[picked.posAssignedGtInds[j]];
    labelWeights[a] = x.posWeight > 0 ? x.posWeight : 1;
  });
  for (const i of picked.negInds) labelWeights[validIdx[i]] = 1;
  return { labels, labelWeights, posInds, posTargets, numNeg: picked.negInds.length };
}

/** Indices of the set flags. */
function validIndices(flags: Uint8Array, n: number): Int32Array {
  let count = 0;
  for (let i = 0; i < n; i++) if (flags[i]) count++;
  const out = new Int32Array(count);
  for (let i = 0, o = 0; i < n; i++) if (flags[i]) out[o++] = i;
  return out;
}

/**
 * Assignment and sampling through the tensor interface, for assigners / samplers without host
 * methods. The tensors are made from host data and never read back.
 */
function sampleWithTensors(
  validBoxes: Float32Array, numValid: number, gtData: Float32Array, ignoreData: Float32Array | undefined, gtLabels: Int32Array, parts: TargetComponents,
): { posInds: Int32Array; negInds: Int32Array; posAssignedGtInds: Int32Array } {
  const valid = tf.tensor2d(validBoxes, [numValid, 4]);
  const gt = boxesTensor(gtData, 'gtBboxes');
  const ignore = ignoreData ? boxesTensor(ignoreData, 'gtBboxesIgnore') : undefined;
  try {
    const assigned = parts.assigner.assignData
      ? parts.assigner.assignData(validBoxes, gtData, ignoreData, gtLabels)
      : parts.assigner.assign(valid, gt, ignore, gtLabels);
    const sampled = parts.sampler.sample(assigned, valid, gt, gtLabels);
    sampled.dispose();
    return { posInds: sampled.posInds, negInds: sampled.negInds, posAssignedGtInds: sampled.posAssignedGtInds };
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
