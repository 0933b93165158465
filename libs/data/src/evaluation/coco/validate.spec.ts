import { DetError } from '@det/registry';
import { evaluateCoco } from './evaluate-coco';
import type { CocoGtDict, CocoResult } from './types';

const gt = (): CocoGtDict => ({
  images: [{ id: 1 }, { id: 2 }],
  categories: [{ id: 1, name: 'a' }, { id: 7, name: 'b' }],
  annotations: [{ id: 1, image_id: 1, category_id: 7, bbox: [10, 10, 20, 20], area: 400, iscrowd: 0 }],
});
const det = (over: Partial<CocoResult> = {}): CocoResult => ({ image_id: 1, category_id: 7, bbox: [10, 10, 20, 20], score: 0.9, ...over });

const errorOf = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DetError);
    return e as Error;
  }
  throw new Error('expected an error');
};

describe('evaluateCoco input checks', () => {
  const run = (dets: unknown, g: unknown = gt()) =>
    evaluateCoco(g as CocoGtDict, dets as CocoResult[], { gtSource: 'ann.json', detsSource: 'dets.json' });

  it('names the file, the entry and the unknown image / category id', () => {
    expect(errorOf(() => run([det(), det({ image_id: 42 })])).message).toBe(
      'dets.json: results[1] has image_id 42, which is not an image of the ground truth');
    expect(errorOf(() => run([det({ category_id: 3 })])).message).toBe(
      'dets.json: results[0] has category_id 3, which is not a category of the ground truth');
  });

  it('rejects negative or NaN box sizes, missing keys and non-arrays', () => {
    expect(errorOf(() => run([det({ bbox: [1, 1, -2, 3] })])).message).toMatch(/^dets\.json: results\[0\]\.bbox has a negative width/);
    expect(errorOf(() => run([det({ bbox: [1, 1, 2, NaN] })])).message).toMatch(/results\[0\]\.bbox must be \[x, y, w, h\] of 4 finite numbers/);
    const { score: _omit, ...noScore } = det();
    expect(errorOf(() => run([det(), noScore])).message).toMatch(/^dets\.json: results\[1\] has no 'score'/);
    expect(errorOf(() => run({ not: 'a list' })).message).toMatch(/^dets\.json: COCO results must be a JSON array/);
  });

  it('checks the ground truth too', () => {
    const bad = gt();
    delete (bad.annotations[0] as Partial<CocoGtDict['annotations'][0]>).area;
    expect(errorOf(() => run([det()], bad)).message).toMatch(/^ann\.json: annotations\[0\] has no 'area'/);
    expect(errorOf(() => run([det()], { images: [] })).message).toMatch(/^ann\.json: 'categories' must be an array/);
  });

  it('evaluates empty results (pycocotools itself crashes on them) as zero AP where GT exists', () => {
    const r = run([]);
    expect(r.stats[0]).toBe(0);
    expect(r.perCategory).toEqual({ '1': -1, '7': 0 });
  });

  it('scores a perfect detection like pycocotools (precision 1 / (1 + eps)) and leaves undefined stats at -1', () => {
    // pycocotools 2.0.11 on these files prints exactly these 12 stats.
    expect(run([det()]).stats).toEqual([
      0.9999999999999998, 0.9999999999999999, 0.9999999999999999, 0.9999999999999998, -1, -1, 1, 1, 1, 1, -1, -1,
    ]);
  });
});
