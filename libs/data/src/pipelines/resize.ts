import { DetError, TRANSFORMS } from '@det/registry';
import { resizeBilinear } from '../image/resize';
import { clipBoxes, scaleBoxes } from './box-ops';
import { checkRange, checkScaleList, requireImage } from './options';
import type { PipelineResults, Transform, TransformContext } from './types';

export interface ResizeOptions {
  /** [w, h] or a list of them; with keepRatio the larger is the long-edge limit, the smaller the short-edge limit. */
  imgScale?: [number, number] | [number, number][];
  multiscaleMode?: 'range' | 'value';
  /** Scale imgScale (one entry) by a ratio drawn uniformly from this range. */
  ratioRange?: [number, number];
  keepRatio?: boolean;
  bboxClipBorder?: boolean;
}

/** Output size [w, h] of rescaling an image of w×h to fit scale=[long, short] limits (MMCV `rescale_size`). */
export function rescaleSize(w: number, h: number, scale: [number, number]): [number, number] {
  const longEdge = Math.max(scale[0], scale[1]);
  const shortEdge = Math.min(scale[0], scale[1]);
  const factor = Math.min(longEdge / Math.max(h, w), shortEdge / Math.min(h, w));
  return [Math.floor(w * factor + 0.5), Math.floor(h * factor + 0.5)];
}

/** Resizes the image (bilinear) and every box field; records scale, scaleFactor, imgShape. */
@TRANSFORMS.register()
export class Resize implements Transform {
  private readonly scales?: [number, number][];
  private readonly mode: 'range' | 'value';
  private readonly ratioRange?: [number, number];
  private readonly keepRatio: boolean;
  private readonly clip: boolean;

  constructor(options: ResizeOptions = {}) {
    this.scales = options.imgScale === undefined ? undefined : checkScaleList('Resize', 'imgScale', options.imgScale);
    this.mode = options.multiscaleMode ?? 'range';
    if (this.mode !== 'range' && this.mode !== 'value') {
      throw new DetError(`Resize: multiscaleMode must be 'range' or 'value', got '${String(this.mode)}'`);
    }
    this.ratioRange = options.ratioRange && checkRange('Resize', 'ratioRange', options.ratioRange);
    if (this.ratioRange && this.scales && this.scales.length !== 1) {
      throw new DetError('Resize: ratioRange needs exactly one imgScale');
    }
    if (this.mode === 'range' && this.scales && this.scales.length > 2 && !this.ratioRange) {
      throw new DetError(`Resize: multiscaleMode 'range' takes two imgScale entries, got ${this.scales.length}`);
    }
    this.keepRatio = options.keepRatio ?? true;
    this.clip = options.bboxClipBorder ?? true;
  }

  apply(results: PipelineResults, ctx: TransformContext): PipelineResults {
    const img = requireImage('Resize', results.img);
    const scale = results.scale ?? this.pickScale(ctx);
    const [newW, newH] = this.keepRatio ? rescaleSize(img.width, img.height, scale) : [Math.round(scale[0]), Math.round(scale[1])];
    const resized = resizeBilinear(img, newH, newW);
    const sx = newW / img.width;
    const sy = newH / img.height;
    const out: PipelineResults = {
      ...results,
      img: resized,
      scale,
      imgShape: [newH, newW, img.channels],
      padShape: [newH, newW, img.channels],
      scaleFactor: [sx, sy, sx, sy],
      keepRatio: this.keepRatio,
    };
    for (const key of results.bboxFields) {
      const boxes = scaleBoxes(results[key] as Float32Array, sx, sy);
      out[key] = this.clip ? clipBoxes(boxes, newH, newW) : boxes;
    }
    return out;
  }

  private pickScale(ctx: TransformContext): [number, number] {
    const scales = this.scales;
    if (!scales) throw new DetError("Resize: no imgScale configured and no 'scale' in the results");
    if (this.ratioRange) {
      const r = ctx.rng.uniform(this.ratioRange[0], this.ratioRange[1]);
      return [Math.floor(scales[0][0] * r), Math.floor(scales[0][1] * r)];
    }
    if (scales.length === 1) return scales[0];
    if (this.mode === 'value') return scales[ctx.rng.nextInt(scales.length)];
    const longs = scales.map((s) => Math.max(...s));
    const shorts = scales.map((s) => Math.min(...s));
    const lo = Math.min(...longs), hi = Math.max(...longs);
    const slo = Math.min(...shorts), shi = Math.max(...shorts);
    return [lo + ctx.rng.nextInt(hi - lo + 1), slo + ctx.rng.nextInt(shi - slo + 1)];
  }
}
