import type { FlipDirection } from '../image/geometry';

/** Multiplies x by sx and y by sy in a flat k*4 x1y1x2y2 array (new array). */
export function scaleBoxes(boxes: Float32Array, sx: number, sy: number): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = boxes[i] * sx;
    out[i + 1] = boxes[i + 1] * sy;
    out[i + 2] = boxes[i + 2] * sx;
    out[i + 3] = boxes[i + 3] * sy;
  }
  return out;
}

/** Clamps coordinates into [0, width] × [0, height] in place. */
export function clipBoxes(boxes: Float32Array, height: number, width: number): Float32Array {
  for (let i = 0; i < boxes.length; i += 4) {
    boxes[i] = Math.min(Math.max(boxes[i], 0), width);
    boxes[i + 1] = Math.min(Math.max(boxes[i + 1], 0), height);
    boxes[i + 2] = Math.min(Math.max(boxes[i + 2], 0), width);
    boxes[i + 3] = Math.min(Math.max(boxes[i + 3], 0), height);
  }
  return boxes;
}

/**
 * Mirrors boxes in an image of the given size. A box covering pixels [x1, x2) covers
 * [w - x2, w - x1) after a horizontal flip, so pixels and boxes stay aligned.
 */
export function flipBoxes(boxes: Float32Array, height: number, width: number, direction: FlipDirection): Float32Array {
  const out = new Float32Array(boxes.length);
  const fx = direction !== 'vertical';
  const fy = direction !== 'horizontal';
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = fx ? width - boxes[i + 2] : boxes[i];
    out[i + 2] = fx ? width - boxes[i] : boxes[i + 2];
    out[i + 1] = fy ? height - boxes[i + 3] : boxes[i + 1];
    out[i + 3] = fy ? height - boxes[i + 1] : boxes[i + 3];
  }
  return out;
}

/** Translates boxes by (-dx, -dy) (new array). */
export function shiftBoxes(boxes: Float32Array, dx: number, dy: number): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    out[i] = boxes[i] - dx;
    out[i + 1] = boxes[i + 1] - dy;
    out[i + 2] = boxes[i + 2] - dx;
    out[i + 3] = boxes[i + 3] - dy;
  }
  return out;
}

/** Indices of boxes with positive width and height. */
export function validBoxIndices(boxes: Float32Array): number[] {
  const keep: number[] = [];
  for (let i = 0; i < boxes.length / 4; i++) {
    if (boxes[4 * i + 2] > boxes[4 * i] && boxes[4 * i + 3] > boxes[4 * i + 1]) keep.push(i);
  }
  return keep;
}

/** Picks rows (of `width` values each) by index. */
export function takeRows<T extends Float32Array | Int32Array>(arr: T, rows: number[], width: number): T {
  const out = new (arr.constructor as new (n: number) => T)(rows.length * width);
  rows.forEach((r, j) => out.set(arr.subarray(r * width, (r + 1) * width), j * width));
  return out;
}
