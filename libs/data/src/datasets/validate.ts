import * as path from 'node:path';
import { AnnotationError } from './errors';

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Checks an image size; returns it or throws naming the file and entry. */
export function checkImageSize(file: string, entry: string, width: unknown, height: unknown): { width: number; height: number } {
  if (!isNum(width) || !isNum(height) || width <= 0 || height <= 0) {
    throw new AnnotationError(file, entry, `image size must be positive numbers, got width=${width} height=${height}`);
  }
  return { width, height };
}

/**
 * Checks an x1y1x2y2 box against its image: non-finite, negative-size, zero-size or fully
 * outside boxes are annotation errors (a box may stick out of the image partly).
 */
export function checkBox(file: string, entry: string, box: unknown, width: number, height: number): [number, number, number, number] {
  if (!Array.isArray(box) || box.length !== 4 || !box.every(isNum)) {
    throw new AnnotationError(file, entry, `box must be 4 finite numbers, got ${JSON.stringify(box)}`);
  }
  const [x1, y1, x2, y2] = box as number[];
  if (x2 <= x1 || y2 <= y1) throw new AnnotationError(file, entry, `degenerate box ${JSON.stringify(box)} (needs x2 > x1 and y2 > y1)`);
  if (x2 <= 0 || y2 <= 0 || x1 >= width || y1 >= height) {
    throw new AnnotationError(file, entry, `box ${JSON.stringify(box)} lies outside the ${width}x${height} image`);
  }
  return [x1, y1, x2, y2];
}

/**
 * Keeps image paths inside the image root: absolute paths and `..` escapes are rejected unless
 * the dataset allows them (they could read any file the process can).
 */
export function checkImagePath(file: string, entry: string, filename: unknown, imgRoot: string, allowOutsideRoot: boolean): string {
  if (typeof filename !== 'string' || filename.length === 0) {
    throw new AnnotationError(file, entry, `image file name must be a non-empty string, got ${JSON.stringify(filename)}`);
  }
  if (allowOutsideRoot) return filename;
  const resolved = path.resolve(imgRoot, filename);
  const rel = path.relative(imgRoot, resolved);
  if (path.isAbsolute(filename) || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new AnnotationError(
      file, entry,
      `image path '${filename}' leaves the image root '${imgRoot}' (set allowOutsideRoot: true to permit it)`,
    );
  }
  return filename;
}
