import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { DATASETS } from '@det/registry';
import { SyntheticShapesDataset, generateSyntheticShapes, SYNTHETIC_MARKER } from '../index';
import { makeTmpDir } from './__fixtures__/tmp';

describe('SyntheticShapesDataset', () => {
  const tmp = makeTmpDir();
  afterAll(() => tmp.cleanup());
  const base = { numTrain: 24, numVal: 8, imageSize: [160, 120] as [number, number], objectSize: [16, 48] as [number, number] };

  it('generates a COCO set on first use (blocking, from the constructor) and reads it back', () => {
    const root = path.join(tmp.dir, 'a');
    const ds = DATASETS.build<SyntheticShapesDataset>({ type: 'SyntheticShapesDataset', dataRoot: root, ...base });
    expect(fs.existsSync(path.join(root, SYNTHETIC_MARKER))).toBe(true);
    expect(ds.length).toBe(24);
    expect(ds.classes).toHaveLength(8);
    expect(ds.catIds).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const val = new SyntheticShapesDataset({ dataRoot: root, split: 'val', testMode: true, ...base });
    expect(val.length).toBe(8);
    for (let i = 0; i < ds.length; i++) {
      const ann = ds.getAnnInfo(i);
      expect(ann.labels.length).toBeGreaterThanOrEqual(1);
      expect(ann.labels.length).toBeLessThanOrEqual(4);
      for (let k = 0; k < ann.labels.length; k++) {
        const [x1, y1, x2, y2] = ann.bboxes.subarray(4 * k, 4 * k + 4);
        expect(x1).toBeGreaterThanOrEqual(0);
        expect(y1).toBeGreaterThanOrEqual(0);
        expect(x2).toBeLessThanOrEqual(160);
        expect(y2).toBeLessThanOrEqual(120);
        expect(Math.max(x2 - x1, y2 - y1)).toBeGreaterThanOrEqual(8);
      }
    }
  });

  it('evaluates perfect detections to mAP 1 with the registered CocoMetric, and shifted ones lower', async () => {
    const val = new SyntheticShapesDataset({ dataRoot: path.join(tmp.dir, 'a'), split: 'val', testMode: true, ...base });
    const perfect = Array.from({ length: val.length }, (_, i) => {
      const ann = val.getAnnInfo(i);
      return { bboxes: ann.bboxes, labels: ann.labels, scores: new Float32Array(ann.labels.length).fill(0.9) };
    });
    expect((await val.evaluate(perfect, { metric: 'bbox' })).bbox_mAP).toBe(1);
    const shifted = perfect.map((r) => ({ ...r, bboxes: r.bboxes.map((v, k) => (k % 2 === 0 ? v + 6 : v)) }));
    expect((await val.evaluate(shifted, { metric: 'bbox' })).bbox_mAP).toBeLessThan(0.9);
  });

  it('is deterministic in its seed and idempotent (marker), regenerating when parameters change', async () => {
    const a = path.join(tmp.dir, 'b1'), b = path.join(tmp.dir, 'b2');
    expect((await generateSyntheticShapes({ root: a, ...base, seed: 3, format: 'png' })).generated).toBe(true);
    expect((await generateSyntheticShapes({ root: b, ...base, seed: 3, format: 'png' })).generated).toBe(true);
    const annA = fs.readFileSync(path.join(a, 'annotations/instances_train.json'), 'utf8');
    expect(fs.readFileSync(path.join(b, 'annotations/instances_train.json'), 'utf8')).toBe(annA);
    expect(fs.readFileSync(path.join(a, 'images/train/000005.png'))).toEqual(fs.readFileSync(path.join(b, 'images/train/000005.png')));
    expect((await generateSyntheticShapes({ root: a, ...base, seed: 3, format: 'png' })).generated).toBe(false);
    expect((await generateSyntheticShapes({ root: a, ...base, seed: 4, format: 'png' })).generated).toBe(true);
    expect(fs.readFileSync(path.join(a, 'annotations/instances_train.json'), 'utf8')).not.toBe(annA);
  });

  it('draws each object in its class colour inside its box (PNG, lossless)', async () => {
    const root = path.join(tmp.dir, 'c');
    await generateSyntheticShapes({ root, ...base, format: 'png' });
    const ds = new SyntheticShapesDataset({ dataRoot: root, ...base, format: 'png' });
    const { SHAPE_CLASSES } = await import('./synthetic/shapes');
    const ann = ds.getAnnInfo(0);
    const { data, info } = await sharp(path.join(root, 'images/train', ds.dataInfos[0].filename)).raw().toBuffer({ resolveWithObject: true });
    // The box centre row must hold pixels near the class colour (all shapes but the ring cover their centre row).
    for (let k = 0; k < ann.labels.length; k++) {
      const [x1, y1, x2, y2] = ann.bboxes.subarray(4 * k, 4 * k + 4);
      const rgb = SHAPE_CLASSES[ann.labels[k]].rgb;
      const y = Math.floor((y1 + y2) / 2);
      let near = 0;
      for (let x = x1; x < x2; x++) {
        const o = (y * info.width + x) * 3;
        if (Math.abs(data[o] - rgb[0]) + Math.abs(data[o + 1] - rgb[1]) + Math.abs(data[o + 2] - rgb[2]) < 60) near++;
      }
      expect(near).toBeGreaterThan(0);
    }
  });

  it('generates hundreds of default-size images in seconds on first use', () => {
    const t0 = Date.now();
    const ds = new SyntheticShapesDataset({ dataRoot: path.join(tmp.dir, 'speed'), numTrain: 300, numVal: 0 });
    const seconds = (Date.now() - t0) / 1000;
    expect(ds.length).toBe(300);
    expect(ds.dataInfos[0]).toMatchObject({ width: 320, height: 240 });
    expect(seconds).toBeLessThan(15); // ~2-3 s when the machine is idle
  });
});
