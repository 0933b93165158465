import { DetError, Rng, SAMPLERS } from '@det/registry';
import { checkPositiveInt, epochSeed, type Sampler, type SizedDataset } from './sampler';

export interface DistributedSamplerOptions {
  worldSize: number;
  rank: number;
  shuffle?: boolean;
  seed?: number;
}

export function checkRank(owner: string, worldSize: unknown, rank: unknown): [number, number] {
  const ws = checkPositiveInt(owner, 'worldSize', worldSize);
  if (!Number.isInteger(rank) || (rank as number) < 0 || (rank as number) >= ws) {
    throw new DetError(`${owner}: 'rank' must be an integer in 0..${ws - 1}, got ${JSON.stringify(rank)}`);
  }
  return [ws, rank as number];
}

/**
 * One rank's shard (PyTorch's DistributedSampler): the epoch's order (shuffled with the shared
 * seed, or sequential) is padded by wrapping to a multiple of worldSize and rank r takes every
 * worldSize-th index from r, so all ranks get equal lengths.
 */
@SAMPLERS.register()
export class DistributedSampler implements Sampler {
  private readonly worldSize: number;
  private readonly rank: number;
  private readonly shuffle: boolean;
  private readonly seed: number;
  private epoch = 0;
  readonly length: number;

  constructor(options: DistributedSamplerOptions, private readonly dataset: SizedDataset) {
    [this.worldSize, this.rank] = checkRank('DistributedSampler', options?.worldSize, options?.rank);
    this.shuffle = options.shuffle ?? true;
    this.seed = options.seed ?? 0;
    this.length = Math.ceil(dataset.length / this.worldSize);
  }

  setEpoch(epoch: number): void {
    this.epoch = epoch;
  }

  indices(): number[] {
    const n = this.dataset.length;
    const order = this.shuffle ? new Rng(epochSeed(this.seed, this.epoch)).permutation(n) : Array.from({ length: n }, (_, i) => i);
    const total = this.length * this.worldSize;
    for (let k = 0; order.length < total; k++) order.push(order[k % n]);
    return order.filter((_, i) => i % this.worldSize === this.rank);
  }
}
