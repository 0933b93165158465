/** An interleaved HWC image held in a typed array (uint8 straight from the decoder, float32 after maths). */
export interface ImageBuffer {
  data: Uint8Array | Float32Array;
  height: number;
  width: number;
  channels: number;
}

/** Allocates an image of the same pixel type as `like` (or float32 when asked). */
export function allocLike(like: ImageBuffer, height: number, width: number, float = false): ImageBuffer {
  const n = height * width * like.channels;
  const data = float || like.data instanceof Float32Array ? new Float32Array(n) : new Uint8Array(n);
  return { data, height, width, channels: like.channels };
}

export function toFloat32(img: ImageBuffer): ImageBuffer & { data: Float32Array } {
  if (img.data instanceof Float32Array) return img as ImageBuffer & { data: Float32Array };
  return { ...img, data: Float32Array.from(img.data) };
}

/** Clones the pixels so later in-place edits never reach the original. */
export function cloneImage(img: ImageBuffer): ImageBuffer {
  return { ...img, data: img.data.slice() };
}
