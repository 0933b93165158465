// MMDetection RandomSampler: positives and negatives drawn uniformly without replacement.
import { BBOX_SAMPLERS, globalRng } from '@det/registry';
import { AssignResult } from '../assigners/assign-result';
import { BaseSampler, indicesWhere, SamplerOptions } from './base-sampler';

/** Anything with next() in [0, 1), e.g. @det/registry's Rng. */
export interface RandomSource {
  next(): number;
}

/** `num` distinct members of `gallery` chosen uniformly (partial Fisher–Yates), returned ascending. */
export function randomChoice(gallery: Int32Array, num: number, rng: RandomSource): Int32Array {
  if (gallery.length <= num) return gallery.slice();
  const pool = gallery.slice();
  for (let i = 0; i < num; i++) {
    const j = i + Math.floor(rng.next() * (pool.length - i));
    const tmp = pool[i];
    pool[i] = pool[j];
    pool[j] = tmp;
  }
  // MMDetection calls .unique() on the sample, which sorts it.
  return pool.slice(0, num).sort();
}

@BBOX_SAMPLERS.register()
export class RandomSampler extends BaseSampler {
  readonly rng: RandomSource;

  /** `rng` (option or second constructor argument) defaults to the global seeded Rng. */
  constructor(options: SamplerOptions & { rng?: RandomSource }, rng?: RandomSource) {
    super(options, 'RandomSampler');
    this.rng = rng ?? options.rng ?? globalRng();
  }

  protected samplePos(assignResult: AssignResult, numExpected: number): Int32Array {
    return randomChoice(indicesWhere(assignResult.gtInds, (v) => v > 0), numExpected, this.rng);
  }

  protected sampleNeg(assignResult: AssignResult, numExpected: number): Int32Array {
    return randomChoice(indicesWhere(assignResult.gtInds, (v) => v === 0), numExpected, this.rng);
  }
}
