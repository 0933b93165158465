/** The anchors of one level: `baseSizes` [w, h] pairs centred on every cell of a stride grid. */
export interface YoloLevel {
  stride: number;
  baseSizes: [number, number][];
}

/**
 * Priors of a level with a feature map of `h × w` cells, ordered (y, x, anchor) — the order of
 * the head's NHWC prediction map reshaped to [h·w·A, 5 + C]. x1y1x2y2 around the cell centre.
 */
export function levelPriors(level: YoloLevel, h: number, w: number): Float32Array {
  const A = level.baseSizes.length;
  const out = new Float32Array(h * w * A * 4);
  let o = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const cx = (x + 0.5) * level.stride;
      const cy = (y + 0.5) * level.stride;
      for (const [bw, bh] of level.baseSizes) {
        out[o++] = cx - bw / 2;
        out[o++] = cy - bh / 2;
        out[o++] = cx + bw / 2;
        out[o++] = cy + bh / 2;
      }
    }
  }
  return out;
}

/** 1 for every prior whose cell contains the centre of one of `gts` (MMDetection's responsible flags). */
export function responsibleFlags(level: YoloLevel, h: number, w: number, gts: Float32Array): Uint8Array {
  const A = level.baseSizes.length;
  const flags = new Uint8Array(h * w * A);
  for (let j = 0; j < gts.length / 4; j++) {
    const gx = Math.floor((gts[j * 4] + gts[j * 4 + 2]) / 2 / level.stride);
    const gy = Math.floor((gts[j * 4 + 1] + gts[j * 4 + 3]) / 2 / level.stride);
    if (gx < 0 || gy < 0 || gx >= w || gy >= h) continue;
    flags.fill(1, (gy * w + gx) * A, (gy * w + gx + 1) * A);
  }
  return flags;
}
