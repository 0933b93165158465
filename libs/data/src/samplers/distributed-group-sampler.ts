import { Rng, SAMPLERS } from '@det/registry';
import { checkRank } from './distributed-sampler';
import { checkPositiveInt, epochSeed, groupIndices, type Sampler, type SizedDataset } from './sampler';

export interface DistributedGroupSamplerOptions {
  samplesPerGpu: number;
  worldSize: number;
  rank: number;
  seed?: number;
}

/**
 * Distributed form of GroupSampler (MMDetection's DistributedGroupSampler): each group is
 * shuffled and padded by repetition to a multiple of samplesPerGpu × worldSize, batches are
 * shuffled with the shared (seed, epoch), and rank r takes the r-th contiguous slice — so every
 * batch on every rank is one aspect group and ranks never overlap except through padding.
 */
@SAMPLERS.register()
export class DistributedGroupSampler implements Sampler {
  private readonly samplesPerGpu: number;
  private readonly worldSize: number;
  private readonly rank: number;
  private readonly seed: number;
  private epoch = 0;
  readonly length: number;

  constructor(options: DistributedGroupSamplerOptions, private readonly dataset: SizedDataset) {
    this.samplesPerGpu = checkPositiveInt('DistributedGroupSampler', 'samplesPerGpu', options?.samplesPerGpu);
    [this.worldSize, this.rank] = checkRank('DistributedGroupSampler', options.worldSize, options.rank);
    this.seed = options.seed ?? 0;
    const unit = this.samplesPerGpu * this.worldSize;
    this.length = groupIndices(dataset).reduce((n, g) => n + Math.ceil(g.length / unit) * this.samplesPerGpu, 0);
  }

  setEpoch(epoch: number): void {
    this.epoch = epoch;
  }

  indices(): number[] {
    const rng = new Rng(epochSeed(this.seed, this.epoch));
    const b = this.samplesPerGpu;
    const unit = b * this.worldSize;
    const all: number[] = [];
    for (const group of groupIndices(this.dataset)) {
      if (!group.length) continue;
      const shuffled = rng.shuffle([...group]);
      const total = Math.ceil(group.length / unit) * unit;
      for (let k = 0; shuffled.length < total; k++) shuffled.push(shuffled[k % group.length]);
      all.push(...shuffled);
    }
    const ordered = rng.permutation(all.length / b).flatMap((batch) => all.slice(batch * b, (batch + 1) * b));
    return ordered.slice(this.rank * this.length, (this.rank + 1) * this.length);
  }
}
