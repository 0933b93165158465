import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATASETS, METRICS, Rng } from '@det/registry';
import { CocoDataset, ConcatDataset, CustomDataset, RepeatDataset, VOCDataset, type CollectedSample } from '../index';
import { makeTmpDir, paint, writeCoco, writePng } from './__fixtures__/tmp';

const tmp = makeTmpDir();
afterAll(() => tmp.cleanup());
const file = (name: string, content: unknown) => {
  const p = path.join(tmp.dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};

describe('CocoDataset', () => {
  const classes = ['cat', 'dog', 'bird'];
  const coco = (extra: Record<string, unknown> = {}) => ({
    images: [
      { id: 7, file_name: 'a.png', width: 40, height: 30 },
      { id: 9, file_name: 'b.png', width: 20, height: 30 },
      { id: 11, file_name: 'empty.png', width: 40, height: 30 },
    ],
    annotations: [
      { id: 1, image_id: 7, category_id: 5, bbox: [1, 2, 10, 8], area: 80, iscrowd: 0 },
      { id: 2, image_id: 7, category_id: 3, bbox: [5, 5, 4, 4], area: 16, iscrowd: 1 },
      { id: 3, image_id: 9, category_id: 8, bbox: [0, 0, 5, 5], area: 25, iscrowd: 0 },
      { id: 4, image_id: 9, category_id: 3, bbox: [2, 2, 0.5, 6], area: 3, iscrowd: 0 },
    ],
    categories: [{ id: 3, name: 'dog' }, { id: 5, name: 'cat' }, { id: 8, name: 'bird' }],
    ...extra,
  });

  it('maps category ids to labels in classes order, keeps crowd boxes as ignore, filters empty images', () => {
    const ds = new CocoDataset({ annFile: file('coco/ann.json', coco()), classes });
    expect(ds.catIds).toEqual([5, 3, 8]);
    expect(ds.length).toBe(2);
    expect(ds.dataInfos.map((d) => d.id)).toEqual([7, 9]);
    const a = ds.getAnnInfo(0);
    expect(Array.from(a.bboxes)).toEqual([1, 2, 11, 10]);
    expect(Array.from(a.labels)).toEqual([0]);
    expect(Array.from(a.bboxesIgnore)).toEqual([5, 5, 9, 9]);
    expect(Array.from(a.labelsIgnore!)).toEqual([1]);
    expect(Array.from(ds.getAnnInfo(1).labels)).toEqual([2]); // the sub-pixel-wide box is skipped
    expect(Array.from(ds.flag)).toEqual([1, 0]);
    expect(new CocoDataset({ annFile: file('coco/ann.json', coco()), testMode: true }).length).toBe(3);
  });

  it('defaults classes to the categories sorted by id and filters by minSize', () => {
    const ds = new CocoDataset({ annFile: file('coco/ann.json', coco()), minSize: 25 });
    expect(ds.classes).toEqual(['dog', 'cat', 'bird']);
    expect(ds.dataInfos.map((d) => d.id)).toEqual([7]);
  });

  it('builds COCO results and ground truth for the metric', () => {
    const ds = new CocoDataset({ annFile: file('coco/ann.json', coco()), classes, testMode: true });
    const res = ds.toCocoResults([
      { bboxes: Float32Array.from([1, 2, 4, 6]), scores: Float32Array.from([0.5]), labels: Int32Array.from([1]) },
      { bboxes: new Float32Array(0), scores: new Float32Array(0), labels: new Int32Array(0) },
      { bboxes: Float32Array.from([0, 0, 1, 1]), scores: Float32Array.from([0.25]), labels: Int32Array.from([2]) },
    ]);
    expect(res).toEqual([
      { image_id: 7, category_id: 3, bbox: [1, 2, 3, 4], score: 0.5 },
      { image_id: 11, category_id: 8, bbox: [0, 0, 1, 1], score: 0.25 },
    ]);
    const gt = ds.cocoGt();
    expect(gt.images.map((i) => i.id)).toEqual([7, 9, 11]);
    expect(gt.annotations).toHaveLength(4);
    expect(gt.categories.map((c) => c.name)).toEqual(classes);
    expect(() => ds.toCocoResults([])).toThrow(/3 images/);
  });

  it('evaluate() builds the metric from METRICS and passes itself', async () => {
    class FakeMetric {
      constructor(readonly opts: Record<string, unknown>) {}
      async evaluate(results: unknown[], dataset: CocoDataset) {
        return { n: results.length, images: dataset.cocoGt().images.length, iou: Number(this.opts.iouThr ?? 0) };
      }
    }
    METRICS.add(FakeMetric, { name: 'FakeMetric', owner: 'test' });
    try {
      const ds = new CocoDataset({ annFile: file('coco/ann.json', coco()), testMode: true });
      expect(await ds.evaluate([], { metric: 'FakeMetric', iouThr: 0.5 })).toEqual({ n: 0, images: 3, iou: 0.5 });
    } finally {
      METRICS.remove('FakeMetric', 'test');
    }
  });

  it.each([
    ['bad JSON', '{"images": [', /not valid JSON/],
    ['missing list', { images: [], annotations: [] }, /missing list 'categories'/],
    ['negative size', coco({ images: [{ id: 1, file_name: 'a', width: -4, height: 3 }], annotations: [] }), /images\[0\].*image size/],
    ['unknown image', coco({ annotations: [{ id: 1, image_id: 99, category_id: 3, bbox: [0, 0, 1, 1] }] }), /annotations\[0\].*unknown image_id 99/],
    ['negative box', coco({ annotations: [{ id: 1, image_id: 7, category_id: 3, bbox: [0, 0, -1, 1] }] }), /annotations\[0\].*non-positive/],
    ['box outside', coco({ annotations: [{ id: 1, image_id: 7, category_id: 3, bbox: [50, 0, 5, 5] }] }), /annotations\[0\].*outside/],
    ['escaping path', coco({ images: [{ id: 1, file_name: '../../etc/passwd', width: 4, height: 3 }], annotations: [] }), /entry 0.*leaves the image root/],
    ['absolute path', coco({ images: [{ id: 1, file_name: '/etc/passwd', width: 4, height: 3 }], annotations: [] }), /entry 0.*leaves the image root/],
  ])('rejects %s naming the file and entry', (_name, content, pattern) => {
    const f = file(`coco/bad-${_name.replace(/ /g, '_')}.json`, content);
    expect(() => new CocoDataset({ annFile: f, testMode: true })).toThrow(pattern);
    expect(() => new CocoDataset({ annFile: f, testMode: true })).toThrow(f);
  });

  it('allows paths outside the root when asked', () => {
    const f = file('coco/abs.json', coco({ images: [{ id: 1, file_name: '/elsewhere/x.png', width: 4, height: 3 }], annotations: [] }));
    expect(new CocoDataset({ annFile: f, testMode: true, allowOutsideRoot: true }).length).toBe(1);
  });
});

describe('CustomDataset', () => {
  it('reads the middle format and validates every entry', () => {
    const ok = file('custom/ok.json', [
      { filename: 'a.png', width: 10, height: 20, ann: { bboxes: [[1, 1, 5, 5]], labels: [1], bboxesIgnore: [[0, 0, 2, 2]] } },
    ]);
    const ds = new CustomDataset({ annFile: ok, classes: ['x', 'y'] });
    expect(Array.from(ds.getAnnInfo(0).bboxesIgnore)).toEqual([0, 0, 2, 2]);
    expect(ds.flag[0]).toBe(0);
    const bad = (name: string, entry: unknown) => file(`custom/${name}.json`, [{ filename: 'ok.png', width: 10, height: 10 }, entry]);
    expect(() => new CustomDataset({ annFile: bad('m', { filename: 'b.png', width: 10 }), classes: ['x'] })).toThrow(/entry 1: missing key 'height'/);
    expect(() => new CustomDataset({ annFile: bad('d', { filename: 'b.png', width: 10, height: 10, ann: { bboxes: [[5, 5, 5, 8]], labels: [0] } }), classes: ['x'] }))
      .toThrow(/entry 1, box 0: degenerate/);
    expect(() => new CustomDataset({ annFile: bad('l', { filename: 'b.png', width: 10, height: 10, ann: { bboxes: [[1, 1, 5, 8]], labels: [3] } }), classes: ['x'] }))
      .toThrow(/entry 1, label 0: label 3/);
    expect(() => new CustomDataset({ annFile: ok })).toThrow(/needs 'classes'/);
  });
});

describe('VOCDataset', () => {
  it('parses XML, turns difficult objects into ignore boxes and skips unknown classes', () => {
    const root = path.join(tmp.dir, 'VOC2007');
    file('VOC2007/ImageSets/Main/train.txt', '000001\n000002\n');
    const xml = (objects: string) => `<annotation><size><width>50</width><height>40</height><depth>3</depth></size>${objects}</annotation>`;
    const obj = (name: string, box: number[], difficult = 0) =>
      `<object><name>${name}</name><difficult>${difficult}</difficult><bndbox><xmin>${box[0]}</xmin><ymin>${box[1]}</ymin><xmax>${box[2]}</xmax><ymax>${box[3]}</ymax></bndbox></object>`;
    file('VOC2007/Annotations/000001.xml', xml(obj('dog', [1, 2, 30, 20]) + obj('cat', [3, 3, 9, 9], 1) + obj('unicorn', [1, 1, 4, 4])));
    file('VOC2007/Annotations/000002.xml', xml(obj('person', [5, 6, 7, 8])));
    const ds = new VOCDataset({ annFile: path.join(root, 'ImageSets/Main/train.txt'), imgPrefix: root });
    expect(ds.classes).toHaveLength(20);
    expect(ds.year).toBe(2007);
    expect(ds.dataInfos[0].filename).toBe('JPEGImages/000001.jpg');
    const a = ds.getAnnInfo(0);
    expect(Array.from(a.bboxes)).toEqual([1, 2, 30, 20]);
    expect(Array.from(a.labels)).toEqual([11]);
    expect(Array.from(a.bboxesIgnore)).toEqual([3, 3, 9, 9]);
    expect(Array.from(a.labelsIgnore!)).toEqual([7]);
    expect(ds.getAnnInfo(1).labels[0]).toBe(14);
    file('VOC2007/Annotations/000002.xml', xml(obj('person', [5, 6, 4, 8])));
    expect(() => new VOCDataset({ annFile: path.join(root, 'ImageSets/Main/train.txt'), imgPrefix: root })).toThrow(/000002\.xml.*object 0: degenerate/);
  });
});

describe('wrappers', () => {
  const annFile = () => file('wrap/ann.json', [
    { filename: 'a.png', width: 12, height: 8, ann: { bboxes: [[1, 1, 5, 5]], labels: [0] } },
    { filename: 'b.png', width: 8, height: 12, ann: { bboxes: [[2, 2, 6, 6]], labels: [0] } },
  ]);

  it('ConcatDataset and RepeatDataset map indices, flags and configs', () => {
    const cfg = { type: 'CustomDataset', annFile: annFile(), classes: ['x'] };
    const cat = DATASETS.build<ConcatDataset>({ type: 'ConcatDataset', datasets: [cfg, cfg] });
    expect(cat.length).toBe(4);
    expect(Array.from(cat.flag)).toEqual([1, 0, 1, 0]);
    expect(Array.from(cat.getAnnInfo(3).bboxes)).toEqual([2, 2, 6, 6]);
    const rep = new RepeatDataset({ dataset: cfg, times: 3 });
    expect(rep.length).toBe(6);
    expect(Array.from(rep.getAnnInfo(4).bboxes)).toEqual([1, 1, 5, 5]);
    const rebuilt = DATASETS.build<RepeatDataset>(rep.config());
    expect(rebuilt.length).toBe(6);
    expect(() => rep.getAnnInfo(6)).toThrow(/out of range/);
    expect(() => new RepeatDataset({ dataset: cfg, times: 0 })).toThrow(/times/);
  });

  it('getItem runs the pipeline and names the file and index when the image is corrupt', async () => {
    const dir = path.join(tmp.dir, 'wrap');
    await writePng(path.join(dir, 'a.png'), 12, 8, paint(12, 8, [1, 2, 3], []));
    fs.writeFileSync(path.join(dir, 'b.png'), 'garbage');
    const ds = new CustomDataset({
      annFile: annFile(), classes: ['x'],
      pipeline: [{ type: 'LoadImageFromFile' }, { type: 'LoadAnnotations' }, { type: 'DefaultFormatBundle' }, { type: 'Collect', keys: ['img', 'gtBboxes', 'gtLabels'] }],
    });
    const s = (await ds.getItem(0, new Rng(0))) as CollectedSample;
    expect(s.img.shape).toEqual([8, 12, 3]);
    expect(Array.from(s.img.data.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(s.imgMetas.filename).toBe(path.join(dir, 'a.png'));
    await expect(ds.getItem(1)).rejects.toThrow(/sample 1 .*b\.png/);
  });
});
