import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';

/** A fresh temporary folder, removed by the returned cleanup. */
export function makeTmpDir(prefix = 'det-data-'): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A w×h RGB image of one colour with filled rectangles [x1, y1, x2, y2, r, g, b] (x2/y2 exclusive). */
export function paint(w: number, h: number, bg: [number, number, number], rects: number[][]): Uint8Array {
  const px = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) px.set(bg, 3 * i);
  for (const [x1, y1, x2, y2, r, g, b] of rects) {
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) px.set([r, g, b], 3 * (y * w + x));
  }
  return px;
}

export async function writePng(file: string, w: number, h: number, px: Uint8Array): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
}

/** Writes a COCO file with one image per entry: boxes are [x1, y1, x2, y2, categoryId]. */
export function writeCoco(file: string, images: { file: string; w: number; h: number; boxes: number[][] }[], classes: string[]): void {
  const coco = {
    images: images.map((im, i) => ({ id: i + 1, file_name: im.file, width: im.w, height: im.h })),
    annotations: images.flatMap((im, i) =>
      im.boxes.map(([x1, y1, x2, y2, c], k) => ({
        id: (i + 1) * 100 + k, image_id: i + 1, category_id: c, bbox: [x1, y1, x2 - x1, y2 - y1], area: (x2 - x1) * (y2 - y1), iscrowd: 0,
      })),
    ),
    categories: classes.map((name, i) => ({ id: i + 1, name })),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(coco));
}
