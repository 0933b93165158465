import * as path from 'node:path';
import sharp from 'sharp';
import { Rng } from '@det/registry';
import {
  Compose, LoadImageFromFile, MultiScaleFlipAug, Normalize, PhotoMetricDistortion, RandomFlip, Resize, adjustHsv,
  rescaleSize, resizeBilinear, SharpImageDecoder, type ImageBuffer, type PipelineResults,
} from '../index';
import { makeTmpDir } from '../datasets/__fixtures__/tmp';

const ctx = (seed = 0) => ({ rng: new Rng(seed) });
const info = { filename: 'x.png', width: 8, height: 6 };
const results = (img: ImageBuffer, boxes?: number[]): PipelineResults => ({
  imgInfo: info, img, bboxFields: boxes ? ['gtBboxes'] : [], gtBboxes: boxes ? Float32Array.from(boxes) : undefined,
  imgShape: [img.height, img.width, img.channels], oriShape: [img.height, img.width, img.channels],
});
const randomImage = (h: number, w: number, seed: number): ImageBuffer => {
  const r = new Rng(seed);
  return { data: Uint8Array.from({ length: h * w * 3 }, () => r.nextInt(256)), height: h, width: w, channels: 3 };
};

describe('resizeBilinear', () => {
  // Independent reference: OpenCV INTER_LINEAR sampling written directly from its definition.
  const reference = (img: ImageBuffer, oh: number, ow: number) => {
    const out: number[] = [];
    const sample = (x: number, y: number, c: number) => img.data[(y * img.width + x) * 3 + c];
    for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) for (let c = 0; c < 3; c++) {
      const sx = Math.min(Math.max((x + 0.5) * (img.width / ow) - 0.5, 0), img.width - 1);
      const sy = Math.min(Math.max((y + 0.5) * (img.height / oh) - 0.5, 0), img.height - 1);
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const x1 = Math.min(x0 + 1, img.width - 1), y1 = Math.min(y0 + 1, img.height - 1);
      const fx = sx - x0, fy = sy - y0;
      out.push((1 - fy) * ((1 - fx) * sample(x0, y0, c) + fx * sample(x1, y0, c)) + fy * ((1 - fx) * sample(x0, y1, c) + fx * sample(x1, y1, c)));
    }
    return out;
  };

  it.each([[7, 11, 13, 5], [12, 9, 5, 20], [6, 6, 6, 6]])('matches the reference %i×%i → %i×%i (uint8 within rounding)', (h, w, oh, ow) => {
    const img = randomImage(h, w, h * w);
    const ref = reference(img, oh, ow);
    const out = resizeBilinear(img, oh, ow);
    expect(out.data).toBeInstanceOf(Uint8Array);
    ref.forEach((v, i) => expect(Math.abs(out.data[i] - v)).toBeLessThanOrEqual(0.5 + 1e-4));
    const f = resizeBilinear({ ...img, data: Float32Array.from(img.data) }, oh, ow);
    ref.forEach((v, i) => expect(f.data[i]).toBeCloseTo(v, 3));
  });
});

describe('Resize', () => {
  it('rescaleSize follows MMCV: fit the long and short edge limits, round half up', () => {
    expect(rescaleSize(640, 480, [1333, 800])).toEqual([1067, 800]);
    expect(rescaleSize(480, 640, [1333, 800])).toEqual([800, 1067]);
    expect(rescaleSize(640, 480, [533, 320])).toEqual([427, 320]);
    expect(rescaleSize(1000, 100, [1333, 800])).toEqual([1333, 133]);
  });

  it("multiscale 'range' draws long/short edges inside the ranges and 'value' picks listed scales", () => {
    const img = randomImage(6, 8, 1);
    const range = new Resize({ imgScale: [[100, 40], [200, 60]], multiscaleMode: 'range' });
    const value = new Resize({ imgScale: [[100, 40], [200, 60]], multiscaleMode: 'value' });
    const seen = new Set<string>();
    for (let s = 0; s < 40; s++) {
      const [l, sh] = range.apply(results(img), ctx(s)).scale!;
      expect(l).toBeGreaterThanOrEqual(100);
      expect(l).toBeLessThanOrEqual(200);
      expect(sh).toBeGreaterThanOrEqual(40);
      expect(sh).toBeLessThanOrEqual(60);
      seen.add(JSON.stringify(value.apply(results(img), ctx(s)).scale));
    }
    expect([...seen].sort()).toEqual(['[100,40]', '[200,60]']);
  });

  it('ratioRange scales the one imgScale', () => {
    const r = new Resize({ imgScale: [100, 50], ratioRange: [0.5, 2] });
    for (let s = 0; s < 20; s++) {
      const [w, h] = r.apply(results(randomImage(6, 8, 1)), ctx(s)).scale!;
      expect(w).toBeGreaterThanOrEqual(50);
      expect(w).toBeLessThanOrEqual(200);
      expect(Math.abs(w / h - 2)).toBeLessThan(0.05);
    }
  });

  it('rejects bad options with the option name', () => {
    expect(() => new Resize({ imgScale: [100] as never })).toThrow(/imgScale/);
    expect(() => new Resize({ imgScale: [[1, 2], [3, 4]], ratioRange: [1, 2] })).toThrow(/ratioRange/);
  });
});

describe('RandomFlip', () => {
  it('flips with the configured probability, split over directions', () => {
    const f = new RandomFlip({ flipRatio: 0.5, direction: ['horizontal', 'vertical'] });
    const counts: Record<string, number> = {};
    const rng = new Rng(5);
    for (let i = 0; i < 2000; i++) {
      const r = f.apply(results(randomImage(2, 2, i)), { rng });
      const k = r.flip ? r.flipDirection! : 'none';
      counts[k] = (counts[k] ?? 0) + 1;
    }
    expect(counts.none / 2000).toBeCloseTo(0.5, 1);
    expect(counts.horizontal / 2000).toBeCloseTo(0.25, 1);
    expect(counts.vertical / 2000).toBeCloseTo(0.25, 1);
  });

  it('flipping twice restores image and boxes', () => {
    const img = randomImage(5, 7, 3);
    const f = new RandomFlip({ flipRatio: 1, direction: 'diagonal' });
    const once = f.apply(results(img, [1, 1, 4, 3]), ctx());
    const twice = f.apply({ ...once, flip: undefined }, ctx());
    expect(Array.from(twice.img!.data)).toEqual(Array.from(img.data));
    expect(Array.from(twice.gtBboxes!)).toEqual([1, 1, 4, 3]);
    expect(Array.from(once.gtBboxes!)).toEqual([3, 2, 6, 4]);
  });
});

describe('Normalize', () => {
  it('computes (x - mean) / std per channel, optionally emitting BGR', () => {
    const img: ImageBuffer = { data: Uint8Array.from([10, 20, 30, 200, 100, 0]), height: 1, width: 2, channels: 3 };
    const n = new Normalize({ mean: [1, 2, 3], std: [2, 4, 8] }).apply(results(img));
    expect(Array.from(n.img!.data)).toEqual([4.5, 4.5, 3.375, 99.5, 24.5, -0.375]);
    const bgr = new Normalize({ mean: [0, 0, 0], std: [1, 1, 1], toRgb: false }).apply(results(img));
    expect(Array.from(bgr.img!.data)).toEqual([30, 20, 10, 0, 100, 200]);
    expect(n.imgNormCfg).toEqual({ mean: [1, 2, 3], std: [2, 4, 8], toRgb: true });
    expect(() => new Normalize({ mean: [1, 2], std: [1, 1, 1] })).toThrow(/mean/);
  });
});

describe('PhotoMetricDistortion', () => {
  it('HSV round trip is the identity and a 120° hue shift turns red into green', () => {
    const d = Float32Array.from([200, 30, 60, 10, 10, 10, 0, 0, 0, 255, 128, 1]);
    const copy = d.slice();
    adjustHsv(d, 1, 0);
    d.forEach((v, i) => expect(v).toBeCloseTo(copy[i], 3));
    const red = Float32Array.from([200, 0, 0]);
    adjustHsv(red, 1, 120);
    expect(Array.from(red).map((v) => Math.round(v))).toEqual([0, 200, 0]);
    const sat = Float32Array.from([200, 100, 100]);
    adjustHsv(sat, 0, 0);
    expect(Array.from(sat)).toEqual([200, 200, 200]);
  });

  it('is deterministic per seed, float32, and leaves the input untouched', () => {
    const img = randomImage(4, 4, 9);
    const before = img.data.slice();
    const t = new PhotoMetricDistortion();
    const a = t.apply(results(img), ctx(1)).img!.data;
    const b = t.apply(results(img), ctx(1)).img!.data;
    expect(a).toBeInstanceOf(Float32Array);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(img.data).toEqual(before);
    const outs = new Set(Array.from({ length: 8 }, (_, s) => t.apply(results(img), ctx(s)).img!.data[0].toFixed(3)));
    expect(outs.size).toBeGreaterThan(2);
  });
});

describe('MultiScaleFlipAug', () => {
  it('produces every (scale, flip) view, unflipped first scale first', async () => {
    const aug = new MultiScaleFlipAug({
      imgScale: [[16, 12], [32, 24]], flip: true, flipDirection: ['horizontal', 'vertical'],
      transforms: [{ type: 'Resize', keepRatio: true }, { type: 'RandomFlip' }, { type: 'DefaultFormatBundle' }, { type: 'Collect', keys: ['img'] }],
    });
    const out = (await aug.apply(results(randomImage(6, 8, 2)), ctx())) as unknown as { augs: { imgMetas: Record<string, unknown> }[] };
    expect(out.augs.map((a) => [a.imgMetas.imgShape, a.imgMetas.flip, a.imgMetas.flipDirection ?? null])).toEqual([
      [[12, 16, 3], false, null], [[12, 16, 3], true, 'horizontal'], [[12, 16, 3], true, 'vertical'],
      [[24, 32, 3], false, null], [[24, 32, 3], true, 'horizontal'], [[24, 32, 3], true, 'vertical'],
    ]);
  });
});

describe('LoadImageFromFile', () => {
  const tmp = makeTmpDir();
  afterAll(() => tmp.cleanup());
  const load = (file: string) => new LoadImageFromFile().apply({ imgInfo: { filename: file, width: 0, height: 0 }, imgPrefix: tmp.dir, bboxFields: [] });

  it('applies EXIF orientation and yields RGB uint8 for grayscale and RGBA files', async () => {
    const px = Buffer.alloc(16 * 8 * 3, 0);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) px.set([255, 0, 0], (y * 16 + x) * 3); // top-left red
    await sharp(px, { raw: { width: 16, height: 8, channels: 3 } })
      .jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).withMetadata({ orientation: 6 }).toFile(path.join(tmp.dir, 'rot.jpg'));
    const rot = await load('rot.jpg');
    expect(rot.imgShape).toEqual([16, 8, 3]); // 90° clockwise: 16 wide × 8 high becomes 8 wide × 16 high
    const topRight = Array.from(rot.img!.data.subarray((1 * 8 + 6) * 3, (1 * 8 + 6) * 3 + 3));
    expect(topRight[0]).toBeGreaterThan(200); // the red corner moved to the top-right
    expect(topRight[1]).toBeLessThan(50);
    await sharp(Buffer.from([0, 128, 255, 64]), { raw: { width: 2, height: 2, channels: 1 } }).png().toFile(path.join(tmp.dir, 'g.png'));
    const g = await load('g.png');
    expect(g.img!.channels).toBe(3);
    expect(Array.from(g.img!.data.subarray(0, 6))).toEqual([0, 0, 0, 128, 128, 128]);
    await sharp(Buffer.from([10, 20, 30, 0, 40, 50, 60, 255]), { raw: { width: 2, height: 1, channels: 4 } }).png().toFile(path.join(tmp.dir, 'a.png'));
    const a = await load('a.png');
    expect(Array.from(a.img!.data)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(a.oriFilename).toBe('a.png');
  });

  it('decodes through the IMAGE_DECODER service, so a plugin can replace sharp', async () => {
    const { rootContainer, IMAGE_DECODER } = await import('@det/registry');
    const fake = { decode: async () => ({ data: new Uint8Array([1, 2, 3]), width: 1, height: 1, channels: 3 }) };
    rootContainer.register(IMAGE_DECODER, { useValue: fake });
    try {
      const r = await load('does-not-exist.png');
      expect(Array.from(r.img!.data)).toEqual([1, 2, 3]);
    } finally {
      rootContainer.register(IMAGE_DECODER, { useValue: new SharpImageDecoder() });
    }
  });

  it('names the file when decoding fails', async () => {
    require('node:fs').writeFileSync(path.join(tmp.dir, 'bad.jpg'), 'not an image');
    await expect(load('bad.jpg')).rejects.toThrow(/bad\.jpg/);
  });
});

describe('Compose', () => {
  it('builds configs through TRANSFORMS and reports unknown types with the pipeline position', () => {
    expect(new Compose([{ type: 'Resize', imgScale: [10, 10] }]).transforms[0]).toBeInstanceOf(Resize);
    expect(() => new Compose([{ type: 'Resize', imgScale: [1, 1] }, { type: 'Rezise' }])).toThrow(/pipeline\[1\].*Did you mean 'Resize'/s);
  });
});
