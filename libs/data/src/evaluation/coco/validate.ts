import { DetError } from '@det/registry';
import type { CocoResult } from './types';

/**
 * Input checks for COCO evaluation. pycocotools fails late with KeyErrors or silently evaluates
 * garbage; det stops at the first bad entry and names the source, the entry index and the value.
 */

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function requireNumber(source: string, where: string, entry: Record<string, unknown>, key: string): number {
  const v = entry[key];
  if (!(key in entry)) throw new DetError(`${source}: ${where} has no '${key}' (entry: ${show(entry)})`);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new DetError(`${source}: ${where}.${key} must be a finite number (got ${show(v)})`);
  return v;
}

/** bbox must be [x, y, w, h] of finite numbers with w, h >= 0. */
function checkBbox(source: string, where: string, entry: Record<string, unknown>): void {
  const b = entry.bbox;
  if (!('bbox' in entry)) throw new DetError(`${source}: ${where} has no 'bbox' (entry: ${show(entry)})`);
  if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new DetError(`${source}: ${where}.bbox must be [x, y, w, h] of 4 finite numbers (got ${show(b)})`);
  }
  if (b[2] < 0 || b[3] < 0) {
    throw new DetError(`${source}: ${where}.bbox has a negative ${b[2] < 0 ? 'width' : 'height'} (got ${show(b)})`);
  }
}

function idSet(source: string, list: unknown, key: 'images' | 'categories'): Set<number> {
  if (!Array.isArray(list)) throw new DetError(`${source}: '${key}' must be an array (got ${show(list)})`);
  const ids = new Set<number>();
  list.forEach((entry, i) => {
    if (!isObject(entry)) throw new DetError(`${source}: ${key}[${i}] must be an object (got ${show(entry)})`);
    ids.add(requireNumber(source, `${key}[${i}]`, entry, 'id'));
  });
  return ids;
}

/** Checks a COCO ground-truth dict; returns its image and category id sets. */
export function validateCocoGt(gt: unknown, source = 'ground truth'): { imageIds: Set<number>; catIds: Set<number> } {
  if (!isObject(gt)) throw new DetError(`${source}: a COCO annotation file must hold a JSON object (got ${show(gt)})`);
  const imageIds = idSet(source, gt.images, 'images');
  const catIds = idSet(source, gt.categories, 'categories');
  const anns = gt.annotations;
  if (!Array.isArray(anns)) throw new DetError(`${source}: 'annotations' must be an array (got ${show(anns)})`);
  for (let i = 0; i < anns.length; i++) {
    const a = anns[i];
    const where = `annotations[${i}]`;
    if (!isObject(a)) throw new DetError(`${source}: ${where} must be an object (got ${show(a)})`);
    requireNumber(source, where, a, 'id');
    const imageId = requireNumber(source, where, a, 'image_id');
    if (!imageIds.has(imageId)) throw new DetError(`${source}: ${where}.image_id ${imageId} is not in 'images'`);
    const catId = requireNumber(source, where, a, 'category_id');
    if (!catIds.has(catId)) throw new DetError(`${source}: ${where}.category_id ${catId} is not in 'categories'`);
    checkBbox(source, where, a);
    if (requireNumber(source, where, a, 'area') < 0) throw new DetError(`${source}: ${where}.area is negative (got ${a.area})`);
    const crowd = a.iscrowd;
    if (crowd !== undefined && crowd !== 0 && crowd !== 1 && typeof crowd !== 'boolean') {
      throw new DetError(`${source}: ${where}.iscrowd must be 0 or 1 (got ${show(crowd)})`);
    }
  }
  return { imageIds, catIds };
}

/** Checks COCO results against the GT's ids (pycocotools' loadRes asserts the image ids too). */
export function validateCocoResults(
  dets: unknown,
  ids: { imageIds: Set<number>; catIds: Set<number> },
  source = 'detections',
): asserts dets is CocoResult[] {
  if (!Array.isArray(dets)) throw new DetError(`${source}: COCO results must be a JSON array of detections (got ${show(dets)})`);
  for (let i = 0; i < dets.length; i++) {
    const d = dets[i];
    const where = `results[${i}]`;
    if (!isObject(d)) throw new DetError(`${source}: ${where} must be an object (got ${show(d)})`);
    const imageId = requireNumber(source, where, d, 'image_id');
    if (!ids.imageIds.has(imageId)) {
      throw new DetError(`${source}: ${where} has image_id ${imageId}, which is not an image of the ground truth`);
    }
    const catId = requireNumber(source, where, d, 'category_id');
    if (!ids.catIds.has(catId)) {
      throw new DetError(`${source}: ${where} has category_id ${catId}, which is not a category of the ground truth`);
    }
    checkBbox(source, where, d);
    requireNumber(source, where, d, 'score');
  }
}
