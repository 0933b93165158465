import { DetError, TRANSFORMS } from '@det/registry';
import { cropImage } from '../image/geometry';
import { clipBoxes, shiftBoxes, takeRows, validBoxIndices } from './box-ops';
import { requireImage } from './options';
import type { PipelineResults, Transform, TransformContext } from './types';

export interface RandomCropOptions {
  /** [h, w] of the window (smaller images are cropped to their own size on that axis). */
  cropSize: [number, number];
  /** Keep a crop that contains no ground-truth box (otherwise the sample is dropped and redrawn). */
  allowNegativeCrop?: boolean;
}

/** Crops a random window; boxes are shifted, clipped to it, and emptied boxes removed with their labels. */
@TRANSFORMS.register()
export class RandomCrop implements Transform {
  private readonly cropH: number;
  private readonly cropW: number;
  private readonly allowNegative: boolean;

  constructor(options: RandomCropOptions) {
    const size = options?.cropSize;
    if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v > 0)) {
      throw new DetError(`RandomCrop: cropSize must be [h, w] positive integers, got ${JSON.stringify(size)}`);
    }
    [this.cropH, this.cropW] = size;
    this.allowNegative = options.allowNegativeCrop ?? false;
  }

  apply(results: PipelineResults, { rng }: TransformContext): PipelineResults | null {
    const img = requireImage('RandomCrop', results.img);
    const h = Math.min(this.cropH, img.height);
    const w = Math.min(this.cropW, img.width);
    const y0 = rng.nextInt(img.height - h + 1);
    const x0 = rng.nextInt(img.width - w + 1);
    const out: PipelineResults = { ...results, img: cropImage(img, y0, x0, h, w), imgShape: [h, w, img.channels] };
    for (const key of results.bboxFields) {
      const boxes = clipBoxes(shiftBoxes(results[key] as Float32Array, x0, y0), h, w);
      const keep = validBoxIndices(boxes);
      if (key === 'gtBboxes' && keep.length === 0 && !this.allowNegative) return null;
      out[key] = takeRows(boxes, keep, 4);
      if (key === 'gtBboxes' && results.gtLabels) out.gtLabels = takeRows(results.gtLabels, keep, 1);
    }
    return out;
  }
}
