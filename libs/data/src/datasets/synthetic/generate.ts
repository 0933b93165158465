import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { DetError, Rng, getLogger } from '@det/registry';
import { renderScene } from './render';
import { SHAPE_CLASSES } from './shapes';
import type { CocoGt } from '../types';

/** Bump when the drawing changes, so old sets on disk are regenerated. */
export const SYNTHETIC_GENERATOR_VERSION = 1;
export const SYNTHETIC_MARKER = 'synthetic-shapes.json';

export interface SyntheticShapesParams {
  /** Folder that receives images/{train,val}/ and annotations/instances_{train,val}.json. */
  root: string;
  numTrain?: number;
  numVal?: number;
  /** [width, height] of every image. */
  imageSize?: [number, number];
  numClasses?: number;
  /** Range of an object's larger side in pixels. */
  objectSize?: [number, number];
  maxObjects?: number;
  seed?: number;
  format?: 'jpg' | 'png';
  quality?: number;
}

export type ResolvedSyntheticParams = Required<Omit<SyntheticShapesParams, 'root'>>;

export function resolveSyntheticParams(p: Omit<SyntheticShapesParams, 'root'>): ResolvedSyntheticParams {
  const r: ResolvedSyntheticParams = {
    numTrain: p.numTrain ?? 400,
    numVal: p.numVal ?? 100,
    imageSize: p.imageSize ?? [320, 240],
    numClasses: p.numClasses ?? 8,
    objectSize: p.objectSize ?? [24, 96],
    maxObjects: p.maxObjects ?? 4,
    seed: p.seed ?? 0,
    format: p.format ?? 'jpg',
    quality: p.quality ?? 90,
  };
  if (!(r.numClasses >= 1 && r.numClasses <= SHAPE_CLASSES.length)) {
    throw new DetError(`SyntheticShapes: numClasses must be 1..${SHAPE_CLASSES.length}, got ${r.numClasses}`);
  }
  const [w, h] = r.imageSize;
  if (!(w >= 32 && h >= 32) || !(r.objectSize[0] >= 8 && r.objectSize[1] >= r.objectSize[0] && r.objectSize[1] < Math.min(w, h))) {
    throw new DetError(`SyntheticShapes: objectSize ${JSON.stringify(r.objectSize)} must lie in [8, min(imageSize)) for imageSize ${JSON.stringify(r.imageSize)}`);
  }
  if (!(r.numTrain >= 0 && r.numVal >= 0 && r.maxObjects >= 1)) {
    throw new DetError('SyntheticShapes: numTrain/numVal must be >= 0 and maxObjects >= 1');
  }
  return r;
}

export const syntheticClassNames = (numClasses: number): string[] => SHAPE_CLASSES.slice(0, numClasses).map((c) => c.name);

export const syntheticAnnFile = (root: string, split: 'train' | 'val') => path.join(root, 'annotations', `instances_${split}.json`);
export const syntheticImageDir = (root: string, split: 'train' | 'val') => path.join(root, 'images', split);

/** True when `root` holds a complete set made with exactly these parameters. */
export function isSyntheticSetCurrent(root: string, params: ResolvedSyntheticParams): boolean {
  try {
    const marker = JSON.parse(fs.readFileSync(path.join(root, SYNTHETIC_MARKER), 'utf8'));
    return JSON.stringify(marker) === JSON.stringify({ version: SYNTHETIC_GENERATOR_VERSION, params });
  } catch {
    return false;
  }
}

/** Seed of one image: independent per (seed, split, index), so images can be drawn in any order. */
const imageSeed = (seed: number, split: number, index: number) =>
  (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(split + 1, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;

/**
 * Writes the synthetic set (idempotent: returns at once when the marker matches). Builds into a
 * temporary folder and moves it into place, writing the marker last, so an interrupted run is
 * simply redone.
 */
export async function generateSyntheticShapes(
  options: SyntheticShapesParams & { quiet?: boolean },
): Promise<{ generated: boolean; seconds: number }> {
  const root = path.resolve(options.root);
  const params = resolveSyntheticParams(options);
  if (isSyntheticSetCurrent(root, params)) return { generated: false, seconds: 0 };
  const start = Date.now();
  const log = options.quiet ? undefined : getLogger();
  log?.info('generating synthetic shapes data set', { root, train: params.numTrain, val: params.numVal, size: params.imageSize.join('x') });
  const tmp = path.join(root, `.tmp-${process.pid}-${Date.now()}`);
  fs.mkdirSync(tmp, { recursive: true });
  try {
    const splits: ['train' | 'val', number][] = [['train', params.numTrain], ['val', params.numVal]];
    for (const [s, [split, count]] of splits.entries()) {
      await writeSplit(tmp, split, s, count, params);
    }
    fs.rmSync(path.join(root, SYNTHETIC_MARKER), { force: true });
    for (const dir of ['images', 'annotations']) {
      fs.rmSync(path.join(root, dir), { recursive: true, force: true });
      fs.renameSync(path.join(tmp, dir), path.join(root, dir));
    }
    fs.writeFileSync(path.join(root, SYNTHETIC_MARKER), JSON.stringify({ version: SYNTHETIC_GENERATOR_VERSION, params }));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const seconds = (Date.now() - start) / 1000;
  log?.info('synthetic shapes data set ready', { root, seconds: seconds.toFixed(1) });
  return { generated: true, seconds };
}

async function writeSplit(dir: string, split: 'train' | 'val', splitId: number, count: number, p: ResolvedSyntheticParams): Promise<void> {
  const [width, height] = p.imageSize;
  const imgDir = syntheticImageDir(dir, split);
  fs.mkdirSync(imgDir, { recursive: true });
  fs.mkdirSync(path.dirname(syntheticAnnFile(dir, split)), { recursive: true });
  const coco: CocoGt = {
    images: [],
    annotations: [],
    categories: syntheticClassNames(p.numClasses).map((name, i) => ({ id: i + 1, name })),
  };
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < count; i++) {
    const scene = renderScene(
      { width, height, numClasses: p.numClasses, objectSize: p.objectSize, maxObjects: p.maxObjects },
      new Rng(imageSeed(p.seed, splitId, i)),
    );
    const fileName = `${String(i + 1).padStart(6, '0')}.${p.format}`;
    coco.images.push({ id: i + 1, file_name: fileName, width, height });
    scene.boxes.forEach(([x1, y1, x2, y2], k) => {
      coco.annotations.push({
        id: coco.annotations.length + 1, image_id: i + 1, category_id: scene.labels[k] + 1,
        bbox: [x1, y1, x2 - x1, y2 - y1], area: (x2 - x1) * (y2 - y1), iscrowd: 0,
      });
    });
    const img = sharp(scene.pixels, { raw: { width, height, channels: 3 } });
    const encoded = p.format === 'png' ? img.png() : img.jpeg({ quality: p.quality, chromaSubsampling: '4:4:4' });
    // sharp runs one libvips thread here, so keep several encodes queued to overlap with drawing.
    const job = encoded.toFile(path.join(imgDir, fileName)).finally(() => inFlight.delete(job));
    inFlight.add(job);
    if (inFlight.size >= 8) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  fs.writeFileSync(syntheticAnnFile(dir, split), JSON.stringify(coco));
}
