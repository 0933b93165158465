import { DetError, type Rng } from '@det/registry';
import { allocLike, resizeBilinear, type ImageBuffer, type PipelineResults, type Transform, type TransformContext } from '@det/data';

export interface CachedMosaicOptions {
  /** Output size [width, height] of the mosaic canvas. */
  imgScale: [number, number];
  /** The four images meet at (ratio · width/2, ratio · height/2), ratio drawn from this range. */
  centerRatioRange?: [number, number];
  /** Probability of making a mosaic (else the image passes through unchanged). */
  prob?: number;
  /** Images (with their boxes) remembered from earlier samples to combine with. */
  maxCachedImages?: number;
  /** Boxes narrower or lower than this (pixels) after clipping are dropped. */
  minBboxSize?: number;
  /** Value of canvas pixels no image covers. */
  padValue?: number;
}

interface CachedSample {
  img: ImageBuffer;
  bboxes: Float32Array;
  labels: Int32Array;
}

/** Process-wide counters (on globalThis, so every copy of this module shares them). */
export interface MosaicStats {
  calls: number;
  mosaics: number;
}

const STATS_KEY = Symbol.for('@det-contrib/mosaic.stats');

export function mosaicStats(): MosaicStats {
  const g = globalThis as unknown as Record<symbol, MosaicStats>;
  return (g[STATS_KEY] ??= { calls: 0, mosaics: 0 });
}

/**
 * Mosaic augmentation (YOLOv4; MMDetection 3's CachedMosaic): the current image and three images
 * from a cache of recent samples fill the four quadrants around a random centre, each scaled to
 * fit the canvas and cut at the quadrant borders; boxes are moved with their image and clipped.
 * A cache is used because det's pipeline steps see one sample at a time. Put it after
 * LoadImageFromFile + LoadAnnotations and before Resize (training pipelines only).
 * The cache is per transform instance: with loader workers each worker has its own.
 */
export class CachedMosaic implements Transform {
  readonly imgScale: [number, number];
  readonly centerRatioRange: [number, number];
  readonly prob: number;
  readonly maxCachedImages: number;
  readonly minBboxSize: number;
  readonly padValue: number;
  private readonly cache: CachedSample[] = [];

  constructor(options: CachedMosaicOptions) {
    const scale = options?.imgScale;
    if (!Array.isArray(scale) || scale.length !== 2 || !scale.every((v) => Number.isInteger(v) && v >= 8)) {
      throw new DetError(`CachedMosaic: imgScale must be [width, height] in pixels (integers >= 8), got ${JSON.stringify(scale)}`);
    }
    this.imgScale = scale;
    this.centerRatioRange = options.centerRatioRange ?? [0.5, 1.5];
    this.prob = options.prob ?? 1;
    this.maxCachedImages = options.maxCachedImages ?? 40;
    this.minBboxSize = options.minBboxSize ?? 2;
    this.padValue = options.padValue ?? 114;
    const [lo, hi] = this.centerRatioRange;
    if (!(lo > 0 && hi >= lo && hi < 2)) throw new DetError(`CachedMosaic: centerRatioRange must satisfy 0 < lo <= hi < 2, got ${JSON.stringify(this.centerRatioRange)}`);
    if (!(this.prob >= 0 && this.prob <= 1)) throw new DetError(`CachedMosaic: prob must be in [0, 1], got ${this.prob}`);
    if (!(this.maxCachedImages >= 4)) throw new DetError(`CachedMosaic: maxCachedImages must be >= 4, got ${this.maxCachedImages}`);
  }

  apply(results: PipelineResults, ctx: TransformContext): PipelineResults {
    const stats = mosaicStats();
    stats.calls++;
    if (!results.img || !results.gtBboxes || !results.gtLabels) {
      throw new DetError('CachedMosaic: needs img, gtBboxes and gtLabels (put it after LoadImageFromFile and LoadAnnotations)');
    }
    const rng = ctx.rng;
    this.remember({ img: results.img, bboxes: results.gtBboxes, labels: results.gtLabels }, rng);
    // Too few images yet, or not this time: the sample passes through.
    if (this.cache.length < 4 || rng.next() >= this.prob) return results;
    const others = [0, 1, 2].map(() => this.cache[rng.nextInt(this.cache.length)]);
    const current: CachedSample = { img: results.img, bboxes: results.gtBboxes, labels: results.gtLabels };
    const made = this.compose([current, ...others], rng);
    stats.mosaics++;
    const shape: [number, number, number] = [made.img.height, made.img.width, made.img.channels];
    return {
      ...results,
      img: made.img,
      imgShape: shape,
      gtBboxes: made.bboxes,
      gtLabels: made.labels,
      gtBboxesIgnore: undefined,
      bboxFields: results.bboxFields.filter((f) => f !== 'gtBboxesIgnore'),
    };
  }

  private remember(sample: CachedSample, rng: Rng): void {
    this.cache.push(sample);
    // Forget a random older image so the cache mixes old and new samples.
    if (this.cache.length > this.maxCachedImages) this.cache.splice(rng.nextInt(this.cache.length - 1), 1);
  }

  /** The four samples in quadrant order top-left, top-right, bottom-left, bottom-right. */
  compose(samples: CachedSample[], rng: Rng): CachedSample {
    const [W, H] = this.imgScale;
    const [lo, hi] = this.centerRatioRange;
    const cx = Math.round((rng.uniform(lo, hi) * W) / 2);
    const cy = Math.round((rng.uniform(lo, hi) * H) / 2);
    const canvas = allocLike(samples[0].img, H, W);
    canvas.data.fill(this.padValue);
    const quadrants = [
      [0, 0, cx, cy],
      [cx, 0, W, cy],
      [0, cy, cx, H],
      [cx, cy, W, H],
    ];
    const boxes: number[] = [];
    const labels: number[] = [];
    samples.forEach((s, q) => {
      const scale = Math.min(W / s.img.width, H / s.img.height);
      const w = Math.max(1, Math.round(s.img.width * scale));
      const h = Math.max(1, Math.round(s.img.height * scale));
      const img = resizeBilinear(s.img, h, w);
      // The image touches the centre with its inner corner.
      const ox = q % 2 === 0 ? cx - w : cx;
      const oy = q < 2 ? cy - h : cy;
      const [qx0, qy0, qx1, qy1] = quadrants[q];
      const x0 = Math.max(qx0, ox), y0 = Math.max(qy0, oy);
      const x1 = Math.min(qx1, ox + w), y1 = Math.min(qy1, oy + h);
      const C = canvas.channels;
      for (let y = y0; y < y1; y++) {
        const src = ((y - oy) * w + (x0 - ox)) * C;
        canvas.data.set(img.data.subarray(src, src + (x1 - x0) * C), (y * W + x0) * C);
      }
      for (let k = 0; k < s.labels.length; k++) {
        const bx0 = Math.max(x0, s.bboxes[k * 4] * scale + ox);
        const by0 = Math.max(y0, s.bboxes[k * 4 + 1] * scale + oy);
        const bx1 = Math.min(x1, s.bboxes[k * 4 + 2] * scale + ox);
        const by1 = Math.min(y1, s.bboxes[k * 4 + 3] * scale + oy);
        if (bx1 - bx0 < this.minBboxSize || by1 - by0 < this.minBboxSize) continue;
        boxes.push(bx0, by0, bx1, by1);
        labels.push(s.labels[k]);
      }
    });
    return { img: canvas, bboxes: Float32Array.from(boxes), labels: Int32Array.from(labels) };
  }
}
