import type { ImageBuffer } from './image-buffer';

// Local aliases: global lookups of `Math` are slow inside jest's vm sandbox.
const { floor, min } = Math;

/**
 * Bilinear resize with pixel-centre alignment (OpenCV's INTER_LINEAR convention, which
 * MMDetection uses): source x = (dx + 0.5) * (srcW / dstW) - 0.5, clamped to the border.
 * Uint8 input stays uint8 (rounded), float stays float.
 */
export function resizeBilinear(img: ImageBuffer, outHeight: number, outWidth: number): ImageBuffer {
  const { height: h, width: w, channels: c, data: src } = img;
  if (outHeight === h && outWidth === w) return { ...img, data: img.data.slice() };
  const isU8 = src instanceof Uint8Array;
  const out = isU8 ? new Uint8Array(outHeight * outWidth * c) : new Float32Array(outHeight * outWidth * c);
  const { index: x0, next: x1, weight: wx } = axisTable(w, outWidth);
  const { index: y0, next: y1, weight: wy } = axisTable(h, outHeight);
  const row = w * c;
  let o = 0;
  for (let dy = 0; dy < outHeight; dy++) {
    const top = y0[dy] * row;
    const bottom = y1[dy] * row;
    const fy = wy[dy];
    for (let dx = 0; dx < outWidth; dx++) {
      const left = x0[dx] * c;
      const right = x1[dx] * c;
      const fx = wx[dx];
      for (let k = 0; k < c; k++) {
        const a = src[top + left + k] + (src[top + right + k] - src[top + left + k]) * fx;
        const b = src[bottom + left + k] + (src[bottom + right + k] - src[bottom + left + k]) * fx;
        const v = a + (b - a) * fy;
        out[o++] = isU8 ? v + 0.5 : v; // Uint8Array truncates, so +0.5 rounds
      }
    }
  }
  return { data: out, height: outHeight, width: outWidth, channels: c };
}

/** For each output coordinate: the left/top source index, its right/bottom neighbour and that neighbour's weight. */
function axisTable(srcSize: number, dstSize: number): { index: Int32Array; next: Int32Array; weight: Float32Array } {
  const index = new Int32Array(dstSize);
  const next = new Int32Array(dstSize);
  const weight = new Float32Array(dstSize);
  const scale = srcSize / dstSize;
  for (let d = 0; d < dstSize; d++) {
    let s = (d + 0.5) * scale - 0.5;
    if (s < 0) s = 0;
    let i = floor(s);
    if (i >= srcSize - 1) {
      i = srcSize - 1;
      s = i;
    }
    index[d] = i;
    next[d] = min(i + 1, srcSize - 1);
    weight[d] = s - i;
  }
  return { index, next, weight };
}
