// Classification and regression targets of sampled RoIs (MMDetection BBoxHead._get_target_single).

/** One image's sampled RoIs, read back from a SamplingResult (network-input frame). */
export interface RoiSample {
  /** numPos×4 positive boxes, then their gts and gt labels. */
  posBboxes: Float32Array;
  posGtBboxes: Float32Array;
  posGtLabels: Int32Array;
  /** numNeg×4 negative boxes. */
  negBboxes: Float32Array;
}

export interface RoiTargets {
  /** Per RoI (positives then negatives, image after image): class, numClasses = background. */
  labels: Int32Array;
  labelWeights: Float32Array;
  /** Rows of the positives among all RoIs. */
  posRows: Int32Array;
  /** Boxes and gts of the positives (numPos×4), for the coder. */
  posBboxes: Float32Array;
  posGtBboxes: Float32Array;
}

/** Concatenates every image's targets in the order the RoIs are stacked (MMDetection's concat=True). */
export function roiTargets(samples: RoiSample[], numClasses: number, posWeight = -1): RoiTargets {
  const total = samples.reduce((s, x) => s + (x.posBboxes.length + x.negBboxes.length) / 4, 0);
  const numPos = samples.reduce((s, x) => s + x.posBboxes.length / 4, 0);
  const labels = new Int32Array(total).fill(numClasses);
  const labelWeights = new Float32Array(total);
  const posRows = new Int32Array(numPos);
  const posBboxes = new Float32Array(numPos * 4);
  const posGtBboxes = new Float32Array(numPos * 4);
  let row = 0;
  let p = 0;
  for (const x of samples) {
    const np = x.posBboxes.length / 4;
    const nn = x.negBboxes.length / 4;
    for (let j = 0; j < np; j++, row++, p++) {
      labels[row] = x.posGtLabels[j];
      labelWeights[row] = posWeight > 0 ? posWeight : 1;
      posRows[p] = row;
    }
    posBboxes.set(x.posBboxes, (p - np) * 4);
    posGtBboxes.set(x.posGtBboxes, (p - np) * 4);
    labelWeights.fill(1, row, row + nn);
    row += nn;
  }
  return { labels, labelWeights, posRows, posBboxes, posGtBboxes };
}

/** MMDetection bbox2roi: k×5 rows (image index, x1, y1, x2, y2) from per-image k×4 boxes. */
export function bboxToRoi(perImage: Float32Array[]): Float32Array {
  const total = perImage.reduce((s, b) => s + b.length / 4, 0);
  const out = new Float32Array(total * 5);
  let r = 0;
  perImage.forEach((boxes, i) => {
    for (let j = 0; j < boxes.length / 4; j++, r++) {
      out[r * 5] = i;
      out.set(boxes.subarray(j * 4, j * 4 + 4), r * 5 + 1);
    }
  });
  return out;
}
