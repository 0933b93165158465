import { Rng, SAMPLERS } from '@det/registry';
import { checkPositiveInt, epochSeed, groupIndices, type Sampler, type SizedDataset } from './sampler';

export interface GroupSamplerOptions {
  samplesPerGpu: number;
  seed?: number;
}

/**
 * Single-process sampler (MMDetection's GroupSampler): each group (aspect flag) is shuffled and
 * padded with random repeats to a multiple of samplesPerGpu, then whole batches are shuffled,
 * so every batch holds images of one orientation. Seeded by (seed, epoch).
 */
@SAMPLERS.register()
export class GroupSampler implements Sampler {
  private readonly samplesPerGpu: number;
  private readonly seed: number;
  private epoch = 0;
  readonly length: number;

  constructor(options: GroupSamplerOptions, private readonly dataset: SizedDataset) {
    this.samplesPerGpu = checkPositiveInt('GroupSampler', 'samplesPerGpu', options?.samplesPerGpu);
    this.seed = options.seed ?? 0;
    this.length = groupIndices(dataset).reduce((n, g) => n + Math.ceil(g.length / this.samplesPerGpu) * this.samplesPerGpu, 0);
  }

  setEpoch(epoch: number): void {
    this.epoch = epoch;
  }

  indices(): number[] {
    const rng = new Rng(epochSeed(this.seed, this.epoch));
    const b = this.samplesPerGpu;
    const all: number[] = [];
    for (const group of groupIndices(this.dataset)) {
      if (!group.length) continue;
      const shuffled = rng.shuffle([...group]);
      const extra = Math.ceil(shuffled.length / b) * b - shuffled.length;
      for (let k = 0; k < extra; k++) shuffled.push(group[rng.nextInt(group.length)]);
      all.push(...shuffled);
    }
    return rng.permutation(all.length / b).flatMap((batch) => all.slice(batch * b, (batch + 1) * b));
  }
}
