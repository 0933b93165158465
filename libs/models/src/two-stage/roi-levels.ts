// Which FPN level a RoI is pooled from (MMDetection SingleRoIExtractor.map_roi_levels).

/**
 * Level of each RoI (rois: k×5 = batchIdx, x1, y1, x2, y2):
 *   floor(log2(sqrt(w·h) / finestScale + 1e-6)), clamped to [0, numLevels - 1].
 * With finestScale 56: scale < 112 → level 0, < 224 → 1, < 448 → 2, else 3.
 */
export function mapRoiLevels(rois: ArrayLike<number>, numLevels: number, finestScale = 56): Int32Array {
  const k = Math.floor(rois.length / 5);
  const out = new Int32Array(k);
  for (let r = 0; r < k; r++) {
    // float32 like the torch tensors MMDetection computes this on
    const w = Math.fround(rois[r * 5 + 3] - rois[r * 5 + 1]);
    const h = Math.fround(rois[r * 5 + 4] - rois[r * 5 + 2]);
    const scale = Math.fround(Math.sqrt(Math.fround(w * h)));
    const lvl = Math.floor(Math.log2(Math.fround(scale / finestScale + 1e-6)));
    out[r] = Math.min(Math.max(Number.isFinite(lvl) ? lvl : 0, 0), numLevels - 1);
  }
  return out;
}
