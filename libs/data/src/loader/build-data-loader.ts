import { DetError, Rng, SAMPLERS, type ComponentConfig } from '@det/registry';
import type { DetDataset } from '../datasets/types';
import type { AugmentedSample, CollectedSample } from '../pipelines/types';
import { DistributedGroupSampler } from '../samplers/distributed-group-sampler';
import { DistributedSampler } from '../samplers/distributed-sampler';
import { GroupSampler } from '../samplers/group-sampler';
import { SequentialSampler, type Sampler } from '../samplers/sampler';
import { collate, type DetBatch } from './collate';
import { EpochLookahead } from './epoch-lookahead';
import { WorkerPool } from './worker-pool';

export interface DataLoaderOptions {
  samplesPerGpu: number;
  /** 0: decode in the main thread (several images in flight); n ≥ 1: n worker threads. */
  workersPerGpu?: number;
  shuffle?: boolean;
  seed?: number;
  /** Distributed: this process is one rank and loads its shard. */
  dist?: boolean;
  rank?: number;
  worldSize?: number;
  /** Non-distributed data parallel: the batch holds numGpus × samplesPerGpu images. */
  numGpus?: number;
  /** Samples decoded ahead of the consumer (default: two batches, at least 4). */
  prefetch?: number;
  /** A SAMPLERS config to use instead of the default choice. */
  sampler?: ComponentConfig;
  /** Modules workers require before rebuilding the dataset (plugins that register classes). */
  workerImports?: string[];
}

export interface DataLoader {
  readonly length: number;
  readonly batchSize: number;
  readonly sampler: Sampler;
  setEpoch(epoch: number): void;
  [Symbol.asyncIterator](): AsyncIterator<DetBatch>;
  /** Stops worker threads (they are also unref'd when idle, so forgetting this does not hang). */
  close(): Promise<void>;
}

/** Seed of the pipeline randomness of the sample at `position` of an epoch, independent of who decodes it. */
export const sampleSeed = (seed: number, epoch: number, rank: number, position: number): number =>
  (Math.imul((seed >>> 0) ^ 0x27d4eb2f, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b) ^
    Math.imul(rank + 1, 0x165667b1) ^ Math.imul(position + 1, 0xc2b2ae35)) >>> 0;

function defaultSampler(dataset: DetDataset, o: DataLoaderOptions, rank: number, worldSize: number): Sampler {
  if (o.sampler) return SAMPLERS.build<Sampler>(o.sampler, { keyPath: 'data.sampler', args: [dataset] });
  const seed = o.seed ?? 0;
  const shuffle = o.shuffle ?? true;
  if (o.dist) {
    return shuffle
      ? new DistributedGroupSampler({ samplesPerGpu: o.samplesPerGpu, worldSize, rank, seed }, dataset)
      : new DistributedSampler({ worldSize, rank, shuffle: false, seed }, dataset);
  }
  return shuffle ? new GroupSampler({ samplesPerGpu: o.samplesPerGpu, seed }, dataset) : new SequentialSampler(dataset);
}

/**
 * Batches a dataset: the sampler orders indices, samples are decoded ahead (in the main thread
 * or in worker threads) and collated. The same (seed, epoch) gives the same batches whatever the
 * number of workers, because every sample's randomness is seeded by its position.
 */
export function buildDataLoader(dataset: DetDataset, options: DataLoaderOptions): DataLoader {
  if (!Number.isInteger(options?.samplesPerGpu) || options.samplesPerGpu < 1) {
    throw new DetError(`buildDataLoader: samplesPerGpu must be a positive integer, got ${JSON.stringify(options?.samplesPerGpu)}`);
  }
  const workers = options.workersPerGpu ?? 0;
  if (!Number.isInteger(workers) || workers < 0) throw new DetError(`buildDataLoader: workersPerGpu must be an integer >= 0, got ${workers}`);
  const rank = options.dist ? (options.rank ?? 0) : 0;
  const worldSize = options.dist ? (options.worldSize ?? 1) : 1;
  const batchSize = options.dist ? options.samplesPerGpu : options.samplesPerGpu * (options.numGpus ?? 1);
  const sampler = defaultSampler(dataset, options, rank, worldSize);
  const prefetch = Math.max(1, options.prefetch ?? Math.max(4, 2 * batchSize));
  const seed = options.seed ?? 0;
  const datasetConfig = workers > 0 ? dataset.config?.() : undefined;
  if (workers > 0 && !datasetConfig) {
    throw new DetError('buildDataLoader: workersPerGpu > 0 needs a dataset built from a config (dataset.config())');
  }
  // Started now rather than on the first batch: the workers load the packages and rebuild the
  // dataset while the caller builds its model, instead of during the first iteration.
  let pool: WorkerPool | undefined = workers > 0 ? new WorkerPool(workers, datasetConfig!, options.workerImports) : undefined;
  let epoch = 0;

  type Sample = CollectedSample | AugmentedSample;
  const lookahead = new EpochLookahead<Sample>();
  // Which epoch the next pass will run, for the look-ahead: runners call setEpoch(e + 1) between
  // passes over a training loader. An evaluation loader is re-read at the same epoch, maybe much
  // later: it gets no look-ahead, which would hold decoded (possibly multi-view) images till then.
  let epochStep = (options.shuffle ?? true) ? 1 : 0;
  let lastPassEpoch: number | undefined;
  // The sampler's epoch however it is set (loader.setEpoch or loader.sampler.setEpoch), so that
  // peeking at the next epoch's order can put it back.
  let samplerEpoch = 0;
  const setSamplerEpoch = sampler.setEpoch.bind(sampler);
  sampler.setEpoch = (e: number) => {
    samplerEpoch = e;
    setSamplerEpoch(e);
  };
  const indicesOf = (e: number): number[] => {
    const current = samplerEpoch;
    setSamplerEpoch(e);
    try {
      return sampler.indices();
    } finally {
      setSamplerEpoch(current);
    }
  };
  const load = (index: number, sampleSeedValue: number): Promise<Sample> => {
    if (workers === 0) return dataset.getItem(index, new Rng(sampleSeedValue)) as Promise<Sample>;
    pool ??= new WorkerPool(workers, datasetConfig!, options.workerImports);
    return pool.load(index, sampleSeedValue) as Promise<Sample>;
  };

  return {
    get length() {
      return Math.ceil(sampler.length / batchSize);
    },
    batchSize,
    sampler,
    setEpoch(e: number) {
      epoch = e;
      sampler.setEpoch(e);
    },
    async *[Symbol.asyncIterator]() {
      const thisEpoch = epoch;
      if (lastPassEpoch !== undefined && thisEpoch >= lastPassEpoch) epochStep = thisEpoch - lastPassEpoch;
      lastPassEpoch = thisEpoch;
      const nextEpoch = thisEpoch + epochStep;
      const indices = sampler.indices();
      // Samples of this epoch that the previous pass already started (none if it guessed wrong).
      const pending: Promise<Sample>[] = lookahead.claim(thisEpoch, indices);
      let issued = pending.length;
      let guessing = false;
      const fill = () => {
        while (issued < indices.length && pending.length < prefetch) {
          const p = load(indices[issued], sampleSeed(seed, thisEpoch, rank, issued));
          p.catch(() => undefined); // handled when awaited in order; avoids an unhandled-rejection crash meanwhile
          pending.push(p);
          issued++;
        }
        if (issued < indices.length || nextEpoch === thisEpoch) return;
        // All of this epoch is on its way: spend the free prefetch slots on the next epoch's start.
        if (!guessing) {
          lookahead.begin(nextEpoch, indicesOf(nextEpoch));
          guessing = true;
        }
        while (pending.length + lookahead.size < prefetch &&
          lookahead.startNext((index, position) => load(index, sampleSeed(seed, nextEpoch, rank, position))));
      };
      let consumed = 0;
      while (consumed < indices.length) {
        const samples: Sample[] = [];
        while (samples.length < batchSize && consumed < indices.length) {
          fill();
          samples.push(await pending.shift()!);
          consumed++;
        }
        fill(); // keep decoding while the consumer works on this batch
        yield collate(samples);
      }
    },
    async close() {
      await pool?.close();
      pool = undefined;
    },
  };
}
