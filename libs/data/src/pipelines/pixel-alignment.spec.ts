import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng, type ComponentConfig } from '@det/registry';
import { CustomDataset, type CollectedSample } from '../index';
import { makeTmpDir, paint, writePng } from '../datasets/__fixtures__/tmp';

// Draw filled boxes of known colours, run the geometric pipeline, and check that the pixels
// inside each transformed box still have the box's colour and the pixels just outside do not.
const W = 80, H = 60;
const BG: [number, number, number] = [90, 90, 90];
const BOXES = [
  [10, 8, 34, 26, 230, 20, 20],
  [50, 30, 75, 57, 20, 20, 230],
];

describe('pipeline keeps boxes on their pixels', () => {
  const tmp = makeTmpDir();
  let annFile: string;
  beforeAll(async () => {
    await writePng(path.join(tmp.dir, 'img/a.png'), W, H, paint(W, H, BG, BOXES));
    annFile = path.join(tmp.dir, 'ann.json');
    fs.writeFileSync(annFile, JSON.stringify([
      { filename: 'a.png', width: W, height: H, ann: { bboxes: BOXES.map((b) => b.slice(0, 4)), labels: [0, 1] } },
    ]));
  });
  afterAll(() => tmp.cleanup());

  const run = async (steps: ComponentConfig[], seed = 0) => {
    const ds = new CustomDataset({
      annFile, imgPrefix: path.join(tmp.dir, 'img'), classes: ['red', 'blue'],
      pipeline: [
        { type: 'LoadImageFromFile' }, { type: 'LoadAnnotations' }, ...steps,
        { type: 'DefaultFormatBundle' }, { type: 'Collect', keys: ['img', 'gtBboxes', 'gtLabels'] },
      ],
    });
    return (await ds.getItem(0, new Rng(seed))) as CollectedSample;
  };

  /** Checks colour inside (shrunk by `margin` for interpolation blur) and outside (grown by margin). */
  const expectAligned = (s: CollectedSample, margin: number) => {
    const [h, w] = s.img.shape;
    const px = (x: number, y: number) => Array.from(s.img.data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));
    for (let k = 0; k < s.gtLabels!.length; k++) {
      const [x1, y1, x2, y2] = s.gtBboxes!.subarray(4 * k, 4 * k + 4);
      const colour = BOXES[s.gtLabels![k]].slice(4);
      const close = (p: number[]) => p.every((v, c) => Math.abs(v - colour[c]) < 12);
      let inside = 0, outside = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const cx = x + 0.5, cy = y + 0.5;
          if (cx > x1 + margin && cx < x2 - margin && cy > y1 + margin && cy < y2 - margin) {
            expect(close(px(x, y))).toBe(true);
            inside++;
          } else if ((cx < x1 - margin || cx > x2 + margin || cy < y1 - margin || cy > y2 + margin) && x < w && y < h) {
            if (close(px(x, y))) outside++;
          }
        }
      }
      expect(inside).toBeGreaterThan(20);
      expect(outside).toBe(0);
    }
  };

  it('without geometry the boxes mark exactly the drawn pixels', async () => {
    const s = await run([]);
    expect(Array.from(s.gtBboxes!)).toEqual(BOXES.flatMap((b) => b.slice(0, 4)));
    expectAligned(s, 0);
  });

  it.each([
    ['upscale keepRatio', { imgScale: [200, 90] }, [1.5, 1.5]],
    ['downscale keepRatio', { imgScale: [40, 30] }, [0.5, 0.5]],
    ['no keepRatio', { imgScale: [120, 90], keepRatio: false }, [1.5, 1.5]],
    ['anisotropic', { imgScale: [160, 45], keepRatio: false }, [2, 0.75]],
  ])('Resize %s', async (_name, resize, factor) => {
    const s = await run([{ type: 'Resize', ...resize }]);
    expect(s.imgMetas.scaleFactor).toEqual([factor[0], factor[1], factor[0], factor[1]]);
    expect(s.imgMetas.imgShape).toEqual([Math.round(H * factor[1]), Math.round(W * factor[0]), 3]);
    expectAligned(s, 1.5);
  });

  it.each(['horizontal', 'vertical', 'diagonal'])('RandomFlip %s after Resize, then Pad', async (direction) => {
    const s = await run([
      { type: 'Resize', imgScale: [100, 75] },
      { type: 'RandomFlip', flipRatio: 1, direction },
      { type: 'Pad', sizeDivisor: 32 },
    ]);
    expect(s.imgMetas).toMatchObject({ flip: true, flipDirection: direction, imgShape: [75, 100, 3], padShape: [96, 128, 3] });
    expect(s.img.shape).toEqual([96, 128, 3]);
    expectAligned(s, 1.5);
    // The padding is the pad value (0) only.
    expect(s.img.data[(95 * 128 + 127) * 3]).toBe(0);
  });

  it.each(['horizontal', 'vertical', 'diagonal'])('RandomFlip %s alone is pixel exact', async (direction) => {
    const s = await run([{ type: 'RandomFlip', flipRatio: 1, direction }]);
    expectAligned(s, 0);
  });

  it('RandomCrop shifts and clips boxes with their pixels', async () => {
    for (let seed = 0; seed < 6; seed++) {
      const s = await run([{ type: 'RandomCrop', cropSize: [40, 50] }], seed);
      expect(s.img.shape).toEqual([40, 50, 3]);
      expectAligned(s, 0);
    }
  });
});
