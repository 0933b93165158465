import { DetError, TRANSFORMS } from '@det/registry';
import { padImage } from '../image/geometry';
import { requireImage } from './options';
import type { PipelineResults, Transform } from './types';

export interface PadOptions {
  /** Fixed output [h, w]. */
  size?: [number, number];
  /** Pad height and width up to multiples of this. */
  sizeDivisor?: number;
  padVal?: number;
}

/** Pads bottom/right; boxes are unchanged because the origin stays top-left. */
@TRANSFORMS.register()
export class Pad implements Transform {
  constructor(readonly options: PadOptions = {}) {
    const { size, sizeDivisor } = options;
    if ((size === undefined) === (sizeDivisor === undefined)) {
      throw new DetError('Pad: give exactly one of size or sizeDivisor');
    }
    if (sizeDivisor !== undefined && !(Number.isInteger(sizeDivisor) && sizeDivisor > 0)) {
      throw new DetError(`Pad: sizeDivisor must be a positive integer, got ${sizeDivisor}`);
    }
  }

  apply(results: PipelineResults): PipelineResults {
    const img = requireImage('Pad', results.img);
    const { size, sizeDivisor, padVal = 0 } = this.options;
    const h = size ? size[0] : Math.ceil(img.height / sizeDivisor!) * sizeDivisor!;
    const w = size ? size[1] : Math.ceil(img.width / sizeDivisor!) * sizeDivisor!;
    if (h < img.height || w < img.width) {
      throw new DetError(`Pad: size ${h}x${w} is smaller than the image ${img.height}x${img.width} (${results.filename})`);
    }
    return { ...results, img: padImage(img, h, w, padVal), padShape: [h, w, img.channels] };
  }
}
