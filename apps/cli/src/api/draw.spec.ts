import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { drawDetections, drawScale } from './draw';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-draw-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function rgbAt(file: string, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const o = (y * info.width + x) * info.channels;
  return [data[o], data[o + 1], data[o + 2]];
}

describe('drawDetections', () => {
  it('enlarges small images by an integer factor so labels stay readable', () => {
    expect(drawScale(100, 80)).toBe(4);
    expect(drawScale(160, 128)).toBe(3);
    expect(drawScale(640, 480)).toBe(1);
  });

  it('draws boxes above the threshold in their class colour, at the enlarged scale, and nothing else', async () => {
    const input = path.join(dir, 'gray.png');
    await sharp({ create: { width: 100, height: 100, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toFile(input);
    const out = path.join(dir, 'drawn.png');
    const dets = {
      bboxes: [10, 30, 50, 70, 60, 60, 90, 90],
      scores: [0.9, 0.2],
      labels: [0, 1],
    };
    await drawDetections(input, dets, ['circle', 'square'], out, 0.3);
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height]).toEqual([400, 400]);
    // Left edge of box 0 at x = 10·4, halfway down: palette colour 0 (#e6194b).
    expect(await rgbAt(out, 40, 200)).toEqual([0xe6, 0x19, 0x4b]);
    // Inside the box, and on the edge of the box under the threshold: untouched gray.
    expect(await rgbAt(out, 120, 200)).toEqual([128, 128, 128]);
    expect(await rgbAt(out, 240, 300)).toEqual([128, 128, 128]);
  });

  it('names the file it cannot read', async () => {
    const bad = path.join(dir, 'bad.jpg');
    fs.writeFileSync(bad, 'not an image');
    await expect(drawDetections(bad, { bboxes: [], scores: [], labels: [] }, [], path.join(dir, 'x.png'))).rejects.toThrow(`cannot draw on '${bad}'`);
  });
});
