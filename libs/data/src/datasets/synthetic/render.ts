import type { Rng } from '@det/registry';
import { SHAPE_CLASSES } from './shapes';

// Local aliases: global lookups of `Math` are slow inside jest's vm sandbox.
const { floor, ceil, min, max, hypot, cos, sin, PI } = Math;

export interface SceneParams {
  width: number;
  height: number;
  numClasses: number;
  /** Range of the object's larger side in pixels. */
  objectSize: [number, number];
  maxObjects: number;
}

export interface RenderedScene {
  pixels: Uint8Array; // RGB HWC
  /** Tight boxes [x1, y1, x2, y2] of each object's pixels (x2/y2 exclusive), and labels. */
  boxes: number[][];
  labels: number[];
}

const clampByte = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/**
 * Per-pixel noise in [-0.5, 0.5) from an inline xorshift32 seeded by `rng`: millions of draws
 * per image are too many for method calls on Rng (slow under jest's sandbox in particular).
 */
function noiseStream(rng: Rng): () => number {
  let x = rng.nextUint32() || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296 - 0.5;
  };
}

/** Muted background: a tinted gray with a gradient, stripes and per-pixel noise. */
function paintBackground(px: Uint8Array, w: number, h: number, rng: Rng): void {
  const gray = rng.uniform(50, 170);
  const tint = [0, 1, 2].map(() => rng.uniform(-25, 25));
  const gAngle = rng.uniform(0, 2 * PI);
  const gAmp = rng.uniform(10, 35) / max(w, h);
  const sFreq = rng.uniform(0.05, 0.3);
  const sAngle = rng.uniform(0, PI);
  const sAmp = rng.uniform(0, 12);
  const [gx, gy] = [cos(gAngle) * gAmp, sin(gAngle) * gAmp];
  const [sx, sy] = [cos(sAngle) * sFreq, sin(sAngle) * sFreq];
  const noise = noiseStream(rng);
  let o = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const base = gray + gx * (x - w / 2) + gy * (y - h / 2) + sAmp * sin(sx * x + sy * y);
      for (let c = 0; c < 3; c++) px[o++] = clampByte(base + tint[c] + noise() * 24);
    }
  }
}

interface Placement { cls: number; cx: number; cy: number; a: number; b: number; cos: number; sin: number }

/** Bounding box of a placement's rasterised pixels, or null if it leaves the image. */
function rasterBox(p: Placement, w: number, h: number): [number, number, number, number] | null {
  const r = hypot(p.a, p.b);
  const x0 = floor(p.cx - r), x1 = ceil(p.cx + r), y0 = floor(p.cy - r), y1 = ceil(p.cy + r);
  let bx1 = Infinity, by1 = Infinity, bx2 = -Infinity, by2 = -Infinity;
  forEachPixel(p, x0, y0, x1, y1, (x, y) => {
    bx1 = min(bx1, x); by1 = min(by1, y); bx2 = max(bx2, x + 1); by2 = max(by2, y + 1);
  });
  if (bx1 === Infinity || bx1 < 0 || by1 < 0 || bx2 > w || by2 > h) return null;
  return [bx1, by1, bx2, by2];
}

function forEachPixel(p: Placement, x0: number, y0: number, x1: number, y1: number, fn: (x: number, y: number) => void): void {
  const inside = SHAPE_CLASSES[p.cls].inside;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const dx = x + 0.5 - p.cx, dy = y + 0.5 - p.cy;
      const u = (dx * p.cos + dy * p.sin) / p.a;
      const v = (-dx * p.sin + dy * p.cos) / p.b;
      if (inside(u, v)) fn(x, y);
    }
  }
}

const area = (b: number[]) => (b[2] - b[0]) * (b[3] - b[1]);
const overlap = (a: number[], b: number[]) =>
  max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]));

/**
 * Draws one image: 1..maxObjects shapes, each at most 35% hidden by later ones, so every
 * object stays recognisable while occlusion still happens. Deterministic in `rng`.
 */
export function renderScene(params: SceneParams, rng: Rng): RenderedScene {
  const { width: w, height: h } = params;
  const pixels = new Uint8Array(w * h * 3);
  paintBackground(pixels, w, h, rng);
  const count = 1 + rng.nextInt(params.maxObjects);
  const placed: { p: Placement; box: number[] }[] = [];
  for (let k = 0; k < count; k++) {
    for (let attempt = 0; attempt < 30; attempt++) {
      const cls = rng.nextInt(params.numClasses);
      const shape = SHAPE_CLASSES[cls];
      const size = rng.uniform(params.objectSize[0], params.objectSize[1]);
      const aspect = shape.stretch ? rng.uniform(0.6, 1.6) : 1;
      const a = aspect >= 1 ? size / 2 : (size * aspect) / 2;
      const b = aspect >= 1 ? size / (2 * aspect) : size / 2;
      const theta = shape.rotate ? rng.uniform(0, PI) : 0;
      const p: Placement = { cls, cx: rng.uniform(0, w), cy: rng.uniform(0, h), a, b, cos: cos(theta), sin: sin(theta) };
      const box = rasterBox(p, w, h);
      if (!box || box[2] - box[0] < 8 || box[3] - box[1] < 8) continue;
      const hidesTooMuch = placed.some((q) => overlap(q.box, box) > 0.35 * area(q.box) || overlap(q.box, box) > 0.35 * area(box));
      if (hidesTooMuch) continue;
      placed.push({ p, box });
      break;
    }
  }
  for (const { p, box } of placed) {
    const rgb = SHAPE_CLASSES[p.cls].rgb.map((c) => c + rng.uniform(-15, 15));
    const noise = noiseStream(rng);
    forEachPixel(p, box[0], box[1], box[2], box[3], (x, y) => {
      const o = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) pixels[o + c] = clampByte(rgb[c] + noise() * 16);
    });
  }
  return { pixels, boxes: placed.map((q) => q.box), labels: placed.map((q) => q.p.cls) };
}
