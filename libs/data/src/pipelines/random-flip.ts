import { DetError, TRANSFORMS } from '@det/registry';
import { flipImage, type FlipDirection } from '../image/geometry';
import { flipBoxes } from './box-ops';
import { requireImage } from './options';
import type { PipelineResults, Transform, TransformContext } from './types';

export interface RandomFlipOptions {
  /** Probability of flipping; a list gives one probability per direction. */
  flipRatio?: number | number[];
  direction?: FlipDirection | FlipDirection[];
}

const DIRECTIONS: FlipDirection[] = ['horizontal', 'vertical', 'diagonal'];

/**
 * Flips image and boxes. As in MMDetection, a number ratio with several directions is split
 * evenly between them; the remaining probability is "no flip". A `flip` already in the results
 * (MultiScaleFlipAug) is obeyed instead of drawing.
 */
@TRANSFORMS.register()
export class RandomFlip implements Transform {
  private readonly directions: FlipDirection[];
  private readonly probs: number[];

  constructor(options: RandomFlipOptions = {}) {
    const dirs = options.direction ?? 'horizontal';
    this.directions = Array.isArray(dirs) ? dirs : [dirs];
    for (const d of this.directions) {
      if (!DIRECTIONS.includes(d)) throw new DetError(`RandomFlip: unknown direction '${d}' (use ${DIRECTIONS.join(', ')})`);
    }
    const ratio = options.flipRatio ?? 0;
    if (Array.isArray(ratio)) {
      if (ratio.length !== this.directions.length) {
        throw new DetError(`RandomFlip: flipRatio has ${ratio.length} entries but direction has ${this.directions.length}`);
      }
      this.probs = ratio;
    } else {
      this.probs = this.directions.map(() => ratio / this.directions.length);
    }
    const total = this.probs.reduce((a, b) => a + b, 0);
    if (this.probs.some((p) => p < 0) || total > 1 + 1e-9) {
      throw new DetError(`RandomFlip: flip ratios must be >= 0 and sum to <= 1, got ${JSON.stringify(ratio)}`);
    }
  }

  apply(results: PipelineResults, ctx: TransformContext): PipelineResults {
    let flip = results.flip;
    let direction = results.flipDirection;
    if (flip === undefined) {
      const u = ctx.rng.next();
      let acc = 0;
      flip = false;
      for (let i = 0; i < this.probs.length; i++) {
        acc += this.probs[i];
        if (u < acc) {
          flip = true;
          direction = this.directions[i];
          break;
        }
      }
    }
    if (!flip) return { ...results, flip: false, flipDirection: undefined };
    direction ??= this.directions[0];
    const img = requireImage('RandomFlip', results.img);
    const out: PipelineResults = { ...results, flip: true, flipDirection: direction, img: flipImage(img, direction) };
    for (const key of results.bboxFields) {
      out[key] = flipBoxes(results[key] as Float32Array, img.height, img.width, direction);
    }
    return out;
  }
}
