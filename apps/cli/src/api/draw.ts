import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { DetError } from '@det/registry';

export interface Detections {
  bboxes: Float32Array | number[];
  scores: Float32Array | number[];
  labels: Int32Array | number[];
}

// Distinct, readable box colours (one per class, cycling).
const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#469990', '#9a6324'];

const escapeXml = (s: string): string => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The SVG overlay: one rectangle per detection above `scoreThr`, with "class score" on a filled tag. */
export function detectionsSvg(width: number, height: number, dets: Detections, classes: readonly string[], scoreThr: number, scale = 1): string {
  const stroke = Math.max(1, Math.round(Math.min(width, height) / 200));
  const font = Math.max(11, Math.round(Math.min(width, height) / 30));
  const parts: string[] = [];
  for (let i = 0; i < dets.scores.length; i++) {
    const score = dets.scores[i];
    if (score < scoreThr) continue;
    const [x1, y1, x2, y2] = [0, 1, 2, 3].map((k) => Number(dets.bboxes[i * 4 + k]) * scale);
    const label = dets.labels[i];
    const color = PALETTE[label % PALETTE.length];
    const text = `${classes[label] ?? `class ${label}`} ${score.toFixed(2)}`;
    const tagW = Math.ceil(text.length * font * 0.6) + 4;
    // The tag sits above the box, inside the image (moved left / down when it would stick out).
    const tagX = Math.max(0, Math.min(x1, width - tagW));
    const tagY = y1 - font - 2 >= 0 ? y1 - font - 2 : y1;
    parts.push(
      `<rect x="${x1.toFixed(1)}" y="${y1.toFixed(1)}" width="${(x2 - x1).toFixed(1)}" height="${(y2 - y1).toFixed(1)}" fill="none" stroke="${color}" stroke-width="${stroke}"/>`,
      `<rect x="${tagX.toFixed(1)}" y="${tagY.toFixed(1)}" width="${tagW}" height="${font + 2}" fill="${color}" fill-opacity="0.85"/>`,
      `<text x="${(tagX + 2).toFixed(1)}" y="${(tagY + font - 1).toFixed(1)}" font-family="DejaVu Sans, sans-serif" font-size="${font}" fill="#ffffff">${escapeXml(text)}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** Small images are enlarged to about this many pixels on their long side, so labels stay readable. */
const MIN_DRAWN_SIDE = 480;

/** Integer enlargement for drawing an image of this size (1 for images of MIN_DRAWN_SIDE and up). */
export const drawScale = (width: number, height: number): number => Math.max(1, Math.floor(MIN_DRAWN_SIDE / Math.max(width, height)));

/**
 * Writes `image` with its detections drawn to `outFile` (format from the extension). Images
 * smaller than MIN_DRAWN_SIDE are enlarged by an integer factor first (nearest neighbour).
 */
export async function drawDetections(image: string, dets: Detections, classes: readonly string[], outFile: string, scoreThr = 0.3): Promise<void> {
  let base: ReturnType<typeof sharp>;
  let width: number;
  let height: number;
  let scale: number;
  try {
    const upright = sharp(image).rotate(); // EXIF orientation, as the decoder applies it
    const { info } = await upright.clone().raw().toBuffer({ resolveWithObject: true });
    scale = drawScale(info.width, info.height);
    width = info.width * scale;
    height = info.height * scale;
    base = scale > 1 ? sharp(await upright.resize(width, height, { kernel: 'nearest' }).toBuffer()) : upright;
  } catch (err) {
    throw new DetError(`cannot draw on '${image}': ${(err as Error).message}`, { cause: err });
  }
  const svg = Buffer.from(detectionsSvg(width, height, dets, classes, scoreThr, scale));
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  await base.composite([{ input: svg, top: 0, left: 0 }]).toFile(outFile);
}
