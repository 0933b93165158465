import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATASETS, type ComponentConfig } from '@det/registry';
import { buildDataLoader, CocoDataset, CustomDataset, SyntheticShapesDataset, type DetBatch, type DetDataset } from '../index';
import { makeTmpDir } from '../datasets/__fixtures__/tmp';

const tmp = makeTmpDir('det-loader-');
afterAll(() => tmp.cleanup());

const TRAIN_PIPELINE: ComponentConfig[] = [
  { type: 'LoadImageFromFile' },
  { type: 'LoadAnnotations' },
  { type: 'Resize', imgScale: [[80, 48], [120, 72]], multiscaleMode: 'range' },
  { type: 'RandomFlip', flipRatio: 0.5 },
  { type: 'PhotoMetricDistortion' },
  { type: 'Normalize', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] },
  { type: 'Pad', sizeDivisor: 8 },
  { type: 'DefaultFormatBundle' },
  { type: 'Collect', keys: ['img', 'gtBboxes', 'gtLabels'] },
];
const synthetic = (extra: Record<string, unknown> = {}) => ({
  type: 'SyntheticShapesDataset', dataRoot: path.join(tmp.dir, 'shapes'), numTrain: 14, numVal: 4,
  imageSize: [96, 72], objectSize: [12, 40], pipeline: TRAIN_PIPELINE, ...extra,
});

async function collect(loader: AsyncIterable<DetBatch>): Promise<DetBatch[]> {
  const out: DetBatch[] = [];
  for await (const b of loader) out.push(b);
  return out;
}
const fingerprint = (batches: DetBatch[]) =>
  batches.map((b) => ({
    files: b.imgMetas.map((m) => path.basename(m.filename)),
    flips: b.imgMetas.map((m) => m.flip),
    shape: b.img.shape,
    sum: b.img.data.reduce((a, v) => a + v, 0).toFixed(2),
    boxes: b.gtBboxes!.map((x) => Array.from(x)),
  }));

describe('buildDataLoader', () => {
  let dataset: DetDataset;
  beforeAll(() => {
    dataset = DATASETS.build<SyntheticShapesDataset>(synthetic());
  });

  it('collates padded NHWC batches with per-image metas and boxes, in sampler order without shuffle', async () => {
    const loader = buildDataLoader(dataset, { samplesPerGpu: 4, shuffle: false });
    expect(loader.length).toBe(4);
    const batches = await collect(loader);
    expect(batches.map((b) => b.imgMetas.length)).toEqual([4, 4, 4, 2]);
    expect(batches.flatMap((b) => b.imgMetas.map((m) => m.imageId))).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    for (const b of batches) {
      const [n, H, W, c] = b.img.shape;
      expect(c).toBe(3);
      expect(b.img.data.length).toBe(n * H * W * 3);
      expect(H % 8 + W % 8).toBe(0);
      b.imgMetas.forEach((m, i) => {
        expect(m.batchInputShape).toEqual([H, W]);
        expect(m.padShape[0]).toBeLessThanOrEqual(H);
        expect(b.gtBboxes![i].length / 4).toBe(b.gtLabels![i].length);
        // Padding beyond this image's own padShape is zero.
        if (m.padShape[1] < W) expect(b.img.data[((i * H + 0) * W + W - 1) * 3]).toBe(0);
      });
    }
  });

  it('gives identical batches with 0 and 2 workers (seeded per sample), and new ones per epoch', async () => {
    const opts = { samplesPerGpu: 3, shuffle: true, seed: 11 };
    const main = buildDataLoader(dataset, { ...opts, workersPerGpu: 0 });
    const workers = buildDataLoader(dataset, { ...opts, workersPerGpu: 2 });
    try {
      const a = fingerprint(await collect(main));
      const b = fingerprint(await collect(workers));
      expect(b).toEqual(a);
      expect(new Set(a.flatMap((x) => x.flips)).size).toBe(2); // the random flip did fire both ways
      workers.setEpoch(1);
      main.setEpoch(1);
      const c = fingerprint(await collect(workers));
      expect(c).not.toEqual(a);
      expect(fingerprint(await collect(main))).toEqual(c);
    } finally {
      await workers.close();
    }
  });

  it('propagates a corrupt image as an error naming the file and sample index (main thread and workers)', async () => {
    const root = path.join(tmp.dir, 'corrupt');
    const ds = DATASETS.build<SyntheticShapesDataset>(synthetic({ dataRoot: root }));
    const victim = path.join(root, 'images/train', ds.dataInfos[5].filename);
    fs.writeFileSync(victim, 'this is not a jpeg');
    for (const workersPerGpu of [0, 2]) {
      const loader = buildDataLoader(ds, { samplesPerGpu: 2, shuffle: false, workersPerGpu });
      try {
        await expect(collect(loader)).rejects.toThrow(new RegExp(`sample 5 .*${path.basename(victim)}`));
      } finally {
        await loader.close();
      }
    }
  });

  it('workers rebuild a plain CocoDataset from its config (same batches as the main thread)', async () => {
    const root = path.join(tmp.dir, 'shapes');
    const coco = new CocoDataset({
      annFile: path.join(root, 'annotations/instances_val.json'), imgPrefix: path.join(root, 'images/val'),
      testMode: true, pipeline: TRAIN_PIPELINE.filter((t) => t.type !== 'LoadAnnotations').map((t) => (t.type === 'Collect' ? { ...t, keys: ['img'] } : t)),
    });
    expect(coco.config().type).toBe('CocoDataset');
    const a = buildDataLoader(coco, { samplesPerGpu: 2, shuffle: false, workersPerGpu: 1 });
    try {
      const viaWorker = await collect(a);
      const viaMain = await collect(buildDataLoader(coco, { samplesPerGpu: 2, shuffle: false }));
      expect(viaWorker.map((b) => Array.from(b.img.data.subarray(0, 50)))).toEqual(viaMain.map((b) => Array.from(b.img.data.subarray(0, 50))));
    } finally {
      await a.close();
    }
  });

  it('reports a dataset that workers cannot rebuild', () => {
    const ann = path.join(tmp.dir, 'plain.json');
    fs.writeFileSync(ann, JSON.stringify([{ filename: 'a.png', width: 4, height: 4 }]));
    const ds = new CustomDataset({ annFile: ann, classes: ['x'], testMode: true });
    const handMade: DetDataset = { classes: ds.classes, length: ds.length, flag: ds.flag, getItem: (i) => ds.getItem(i), getAnnInfo: (i) => ds.getAnnInfo(i) };
    expect(() => buildDataLoader(handMade, { samplesPerGpu: 1, workersPerGpu: 1 })).toThrow(/config/);
  });

  it('rejects (does not hang) when workers cannot build the dataset', async () => {
    const broken: DetDataset = { ...dataset, classes: dataset.classes, length: dataset.length, flag: dataset.flag,
      getItem: (i) => dataset.getItem(i), getAnnInfo: (i) => dataset.getAnnInfo(i), config: () => ({ type: 'NoSuchDataset' }) };
    const loader = buildDataLoader(broken, { samplesPerGpu: 2, workersPerGpu: 1 });
    try {
      await expect(collect(loader)).rejects.toThrow(/could not build the dataset.*NoSuchDataset/s);
    } finally {
      await loader.close();
    }
  });

  it('collates test-time augmentations into batch.augs', async () => {
    const ds = DATASETS.build<SyntheticShapesDataset>(synthetic({
      split: 'val', testMode: true,
      pipeline: [
        { type: 'LoadImageFromFile' },
        {
          type: 'MultiScaleFlipAug', imgScale: [[64, 48], [128, 96]], flip: true,
          transforms: [
            { type: 'Resize', keepRatio: true }, { type: 'RandomFlip' },
            { type: 'Normalize', mean: [0, 0, 0], std: [1, 1, 1] }, { type: 'Pad', sizeDivisor: 32 },
            { type: 'DefaultFormatBundle' }, { type: 'Collect', keys: ['img'] },
          ],
        },
      ],
    }));
    const batches = await collect(buildDataLoader(ds, { samplesPerGpu: 2, shuffle: false }));
    expect(batches).toHaveLength(2);
    const b = batches[0];
    expect(b.augs).toHaveLength(4);
    expect(b.augs![0].img).toBe(b.img);
    expect(b.augs!.map((a) => [a.img.shape, a.imgMetas[0].flip])).toEqual([
      [[2, 64, 64, 3], false], [[2, 64, 64, 3], true], [[2, 96, 128, 3], false], [[2, 96, 128, 3], true],
    ]);
    expect(b.gtBboxes).toBeUndefined();
  });
});
