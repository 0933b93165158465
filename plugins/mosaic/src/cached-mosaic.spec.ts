import * as path from 'node:path';
import { Rng, TRANSFORMS, loadPlugins } from '@det/registry';
import type { ImageBuffer, PipelineResults } from '@det/data';
import { CachedMosaic, mosaicStats } from './index';

const solid = (width: number, height: number, value: number): ImageBuffer => ({
  data: new Uint8Array(width * height * 3).fill(value), width, height, channels: 3,
});
const pixel = (img: ImageBuffer, x: number, y: number) => img.data[(y * img.width + x) * 3];
const sample = (img: ImageBuffer, boxes: number[], labels: number[]) => ({ img, bboxes: Float32Array.from(boxes), labels: Int32Array.from(labels) });

/** An Rng whose uniform() always returns the middle of the range: the centre lands at (W/2, H/2). */
const middleRng = Object.assign(new Rng(0), { uniform: (lo: number, hi: number) => (lo + hi) / 2 });

describe('CachedMosaic.compose (hand-computed layout, canvas 100×80, centre (50, 40))', () => {
  const mosaic = new CachedMosaic({ imgScale: [100, 80], minBboxSize: 2 });
  const out = mosaic.compose(
    [
      sample(solid(50, 40, 10), [10, 10, 40, 30], [0]), // ×2 → 100×80 at (-50, -40)
      sample(solid(100, 80, 20), [0, 50, 20, 70], [1]), // ×1 at (50, -40)
      sample(solid(20, 80, 30), [0, 0, 10, 10], [2]), // ×1 → 20×80 at (30, 40): x < 30 stays padding
      sample(solid(50, 20, 40), [45, 15, 50, 20], [3]), // ×2 → 100×40 at (50, 40); box ends up outside
    ],
    middleRng,
  );

  it('fills each quadrant from its image and pads what no image covers', () => {
    expect([out.img.width, out.img.height]).toEqual([100, 80]);
    expect(pixel(out.img, 10, 10)).toBe(10);
    expect(pixel(out.img, 60, 10)).toBe(20);
    expect(pixel(out.img, 35, 60)).toBe(30);
    expect(pixel(out.img, 10, 60)).toBe(114);
    expect(pixel(out.img, 60, 60)).toBe(40);
    expect(pixel(out.img, 49, 39)).toBe(10);
    expect(pixel(out.img, 50, 40)).toBe(40);
  });

  it('moves, scales and clips boxes with their image, dropping those left outside', () => {
    expect(Array.from(out.bboxes)).toEqual([0, 0, 30, 20, 50, 10, 70, 30, 30, 40, 40, 50]);
    expect(Array.from(out.labels)).toEqual([0, 1, 2]);
  });
});

describe('CachedMosaic as a pipeline step', () => {
  const results = (value: number): PipelineResults => ({
    imgInfo: { filename: `${value}.jpg`, width: 40, height: 30 },
    img: solid(40, 30, value),
    imgShape: [30, 40, 3],
    gtBboxes: Float32Array.from([5, 5, 35, 25]),
    gtLabels: Int32Array.from([value]),
    gtBboxesIgnore: new Float32Array(0),
    bboxFields: ['gtBboxes', 'gtBboxesIgnore'],
  });

  it('passes samples through until it has cached four images, then makes mosaics and counts them', () => {
    const t = new CachedMosaic({ imgScale: [64, 48] });
    const before = { ...mosaicStats() };
    const rng = new Rng(7);
    const outs = [1, 2, 3, 4, 5].map((v) => t.apply(results(v), { rng }));
    expect(outs.slice(0, 3).map((o) => o.img!.width)).toEqual([40, 40, 40]);
    for (const o of outs.slice(3)) {
      expect(o.imgShape).toEqual([48, 64, 3]);
      expect(o.bboxFields).toEqual(['gtBboxes']);
      expect(o.gtBboxes!.length).toBe(o.gtLabels!.length * 4);
      // The current sample always fills the top-left quadrant, so its label is present.
      expect(Array.from(o.gtLabels!)).toContain(o === outs[3] ? 4 : 5);
    }
    expect(mosaicStats().calls - before.calls).toBe(5);
    expect(mosaicStats().mosaics - before.mosaics).toBe(2);
  });

  it('is deterministic for a given rng seed', () => {
    const run = () => {
      const t = new CachedMosaic({ imgScale: [64, 48] });
      const rng = new Rng(3);
      return [1, 2, 3, 4, 5, 6].map((v) => t.apply(results(v), { rng })).map((o) => Array.from(o.gtBboxes!));
    };
    expect(run()).toEqual(run());
  });

  it('explains what it needs', () => {
    expect(() => new CachedMosaic({} as never)).toThrow(/imgScale must be \[width, height\]/);
    expect(() => new CachedMosaic({ imgScale: [64, 48], prob: 2 })).toThrow(/prob must be in \[0, 1\]/);
    const t = new CachedMosaic({ imgScale: [64, 48] });
    expect(() => t.apply({ imgInfo: { filename: 'x', width: 1, height: 1 }, bboxFields: [] }, { rng: new Rng(0) })).toThrow(/after LoadImageFromFile and LoadAnnotations/);
  });

  it('registers as a transform through the plugin loader', async () => {
    await loadPlugins([path.join(__dirname, 'index.ts')], { cwd: __dirname });
    expect(TRANSFORMS.entries().find((e) => e.name === 'CachedMosaic')?.owner).toBe('@det-contrib/mosaic');
  });
});
