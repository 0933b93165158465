// The sampling plan of RoIAlign: for every output cell, which feature pixels it reads and with
// what weight. Built once on the CPU from the (small) roi list; the forward is then a gather and
// a weighted sum, the backward a scatter-add of the same weights.

export interface RoiAlignParams {
  outputSize: [number, number];
  spatialScale: number;
  samplingRatio: number;
  aligned: boolean;
}

export interface RoiAlignPlan {
  /** Output cells (k * ph * pw). */
  cells: number;
  /** Entries per cell (padded with index 0 / weight 0). */
  width: number;
  /** Flat pixel index `(b * h + y) * w + x` into the [n*h*w, c] feature matrix, cells × width. */
  indices: Int32Array;
  /** Bilinear weight divided by the sample count, cells × width. */
  weights: Float32Array;
}

/**
 * Follows torchvision's roi_align CPU kernel: aligned shifts by -0.5 px; unaligned rois are at
 * least 1 px; samplingRatio 0 = ceil(roi / bin) samples per bin side; a sample outside
 * [-1, H] × [-1, W] contributes 0, one in [-1, 0) is clamped to 0, one at or past the last row or
 * column reads that edge.
 */
export function buildRoiAlignPlan(
  rois: ArrayLike<number>,
  featureShape: [number, number, number],
  params: RoiAlignParams,
): RoiAlignPlan {
  const [n, height, width] = featureShape;
  const [ph, pw] = params.outputSize;
  const k = rois.length / 5;
  const cells = k * ph * pw;
  const offset = params.aligned ? 0.5 : 0;
  // Per cell: accumulate weights by pixel in a dense scratch row, remembering which pixels were
  // hit; then append the cell's taps to flat lists (one allocation for all cells).
  const scratch = new Float64Array(n * height * width);
  const touched: number[] = [];
  const cellStart = new Int32Array(cells + 1);
  const allIdx: number[] = [];
  const allW: number[] = [];
  let maxWidth = 1;

  for (let r = 0; r < k; r++) {
    const batch = rois[r * 5];
    const startW = rois[r * 5 + 1] * params.spatialScale - offset;
    const startH = rois[r * 5 + 2] * params.spatialScale - offset;
    const endW = rois[r * 5 + 3] * params.spatialScale - offset;
    const endH = rois[r * 5 + 4] * params.spatialScale - offset;
    let roiW = endW - startW;
    let roiH = endH - startH;
    if (!params.aligned) {
      roiW = Math.max(roiW, 1);
      roiH = Math.max(roiH, 1);
    }
    const binH = roiH / ph;
    const binW = roiW / pw;
    const gridH = params.samplingRatio > 0 ? params.samplingRatio : Math.ceil(roiH / ph);
    const gridW = params.samplingRatio > 0 ? params.samplingRatio : Math.ceil(roiW / pw);
    const count = Math.max(gridH * gridW, 1);
    const base = batch * height * width;
    const validBatch = Number.isInteger(batch) && batch >= 0 && batch < n;

    for (let py = 0; py < ph; py++) {
      for (let px = 0; px < pw; px++) {
        const cell = (r * ph + py) * pw + px;
        if (validBatch) {
          for (let iy = 0; iy < gridH; iy++) {
            const y0 = startH + py * binH + ((iy + 0.5) * binH) / gridH;
            for (let ix = 0; ix < gridW; ix++) {
              const x0 = startW + px * binW + ((ix + 0.5) * binW) / gridW;
              addBilinear(y0, x0, height, width, base, 1 / count, scratch, touched);
            }
          }
        }
        for (let t = 0; t < touched.length; t++) {
          const p = touched[t];
          allIdx.push(p);
          allW.push(scratch[p]);
          scratch[p] = 0;
        }
        maxWidth = Math.max(maxWidth, touched.length);
        touched.length = 0;
        cellStart[cell + 1] = allIdx.length;
      }
    }
  }

  const indices = new Int32Array(cells * maxWidth);
  const weights = new Float32Array(cells * maxWidth);
  for (let c = 0; c < cells; c++) {
    for (let e = cellStart[c], o = c * maxWidth; e < cellStart[c + 1]; e++, o++) {
      indices[o] = allIdx[e];
      weights[o] = allW[e];
    }
  }
  return { cells, width: maxWidth, indices, weights };
}

function addBilinear(
  yIn: number,
  xIn: number,
  height: number,
  width: number,
  base: number,
  scale: number,
  scratch: Float64Array,
  touched: number[],
): void {
  if (yIn < -1 || yIn > height || xIn < -1 || xIn > width) return;
  let y = yIn <= 0 ? 0 : yIn;
  let x = xIn <= 0 ? 0 : xIn;
  let yLow = Math.floor(y);
  let xLow = Math.floor(x);
  let yHigh: number;
  let xHigh: number;
  if (yLow >= height - 1) {
    yHigh = yLow = height - 1;
    y = yLow;
  } else yHigh = yLow + 1;
  if (xLow >= width - 1) {
    xHigh = xLow = width - 1;
    x = xLow;
  } else xHigh = xLow + 1;
  const ly = y - yLow;
  const lx = x - xLow;
  const hy = 1 - ly;
  const hx = 1 - lx;
  add(base + yLow * width + xLow, hy * hx * scale, scratch, touched);
  add(base + yLow * width + xHigh, hy * lx * scale, scratch, touched);
  add(base + yHigh * width + xLow, ly * hx * scale, scratch, touched);
  add(base + yHigh * width + xHigh, ly * lx * scale, scratch, touched);
}

function add(p: number, w: number, scratch: Float64Array, touched: number[]): void {
  if (w === 0) return;
  if (scratch[p] === 0) touched.push(p);
  scratch[p] += w;
}
