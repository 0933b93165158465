import * as path from 'node:path';
import { DATASETS, type ComponentConfig } from '@det/registry';
import { buildDataLoader, type DataLoaderOptions, type DetBatch, type DetDataset, type SyntheticShapesDataset } from '../index';
import { makeTmpDir } from '../datasets/__fixtures__/tmp';
import { EpochLookahead } from './epoch-lookahead';

const tmp = makeTmpDir('det-lookahead-');
afterAll(() => tmp.cleanup());

// Random flip + photometric noise: a sample loaded with another epoch's seed would differ.
const PIPELINE: ComponentConfig[] = [
  { type: 'LoadImageFromFile' },
  { type: 'LoadAnnotations' },
  { type: 'RandomFlip', flipRatio: 0.5 },
  { type: 'PhotoMetricDistortion' },
  { type: 'Normalize', mean: [0, 0, 0], std: [1, 1, 1] },
  { type: 'Pad', sizeDivisor: 8 },
  { type: 'DefaultFormatBundle' },
  { type: 'Collect', keys: ['img', 'gtBboxes', 'gtLabels'] },
];

/** The dataset, with every getItem call recorded. */
function counted(ds: DetDataset): DetDataset & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls, classes: ds.classes, length: ds.length, flag: ds.flag, getAnnInfo: (i) => ds.getAnnInfo(i),
    getItem: (i, rng) => {
      calls.push(i);
      return ds.getItem(i, rng);
    },
  };
}

async function pass(loader: AsyncIterable<DetBatch>): Promise<string[]> {
  const out: string[] = [];
  for await (const b of loader) {
    out.push(JSON.stringify({
      files: b.imgMetas.map((m) => path.basename(m.filename)),
      flips: b.imgMetas.map((m) => m.flip),
      sum: b.img.data.reduce((a, v) => a + v, 0).toFixed(3),
    }));
  }
  return out;
}

async function freshPass(ds: DetDataset, opts: DataLoaderOptions, epoch: number): Promise<string[]> {
  const loader = buildDataLoader(ds, opts);
  loader.setEpoch(epoch);
  return pass(loader);
}

describe('loader look-ahead into the next epoch', () => {
  const N = 14;
  let base: DetDataset;
  beforeAll(() => {
    base = DATASETS.build<SyntheticShapesDataset>({
      type: 'SyntheticShapesDataset', dataRoot: path.join(tmp.dir, 'shapes'), numTrain: N, numVal: 2,
      imageSize: [48, 40], objectSize: [8, 20], pipeline: PIPELINE,
    });
  });

  it('starts the next epoch while the last batches are consumed and hands those samples to it unchanged', async () => {
    const ds = counted(base);
    const opts = { samplesPerGpu: 3, shuffle: true, seed: 5, prefetch: 4 };
    const loader = buildDataLoader(ds, opts);
    const epoch0 = await pass(loader);
    const L = loader.sampler.length; // the group sampler pads each group to whole batches
    // The whole epoch, plus `prefetch` samples of the epoch a runner asks for next.
    expect(ds.calls).toHaveLength(L + 4);
    loader.setEpoch(1);
    const nextIndices = loader.sampler.indices();
    expect(ds.calls.slice(L)).toEqual(nextIndices.slice(0, 4));
    const epoch1 = await pass(loader);
    expect(ds.calls).toHaveLength(2 * L + 4); // the four were used, not loaded again
    expect(epoch1).toEqual(await freshPass(base, opts, 1));
    expect(epoch0).toEqual(await freshPass(base, opts, 0));
    expect(epoch1).not.toEqual(epoch0);
  });

  it('discards a wrong guess: a jump to another epoch loads that epoch from scratch', async () => {
    const ds = counted(base);
    const opts = { samplesPerGpu: 4, shuffle: true, seed: 9, prefetch: 6 };
    const loader = buildDataLoader(ds, opts);
    await pass(loader);
    loader.setEpoch(3);
    const epoch3 = await pass(loader);
    expect(epoch3).toEqual(await freshPass(base, opts, 3));
    const L = loader.sampler.length;
    expect(ds.calls).toHaveLength(L + 6 + L + 6);
  });

  it('leaves a sampler epoch set directly (loader.sampler.setEpoch) in place after peeking at the next one', async () => {
    const opts = { samplesPerGpu: 3, shuffle: true, seed: 2, prefetch: 4 };
    const loader = buildDataLoader(base, opts);
    loader.sampler.setEpoch(4);
    const order = loader.sampler.indices();
    await pass(loader);
    expect(loader.sampler.indices()).toEqual(order);
    const other = buildDataLoader(base, opts);
    other.setEpoch(5);
    expect(order).not.toEqual(other.sampler.indices()); // the peek did look at another order
  });

  it('an evaluation loader (no shuffle, re-read without setEpoch) holds nothing between passes', async () => {
    const ds = counted(base);
    const loader = buildDataLoader(ds, { samplesPerGpu: 2, shuffle: false, prefetch: 4 });
    const first = await pass(loader);
    expect(ds.calls).toHaveLength(N);
    expect(await pass(loader)).toEqual(first);
    expect(ds.calls).toHaveLength(2 * N);
    // Once its passes advance the epoch, an unshuffled training loader looks ahead too.
    loader.setEpoch(1);
    await pass(loader);
    expect(ds.calls).toHaveLength(3 * N + 4);
  });

  it('a failed look-ahead load surfaces in the pass that claims it', async () => {
    const opts = { samplesPerGpu: 2, shuffle: true, seed: 4, prefetch: 2 };
    const peek = buildDataLoader(base, opts);
    peek.setEpoch(1);
    const victim = peek.sampler.indices()[0];
    let failing = false;
    const ds: DetDataset = {
      ...counted(base),
      getItem: (i, rng) => (failing && i === victim ? Promise.reject(new Error(`sample ${i} is broken`)) : base.getItem(i, rng)),
    };
    const loader = buildDataLoader(ds, opts);
    let seen = 0;
    for await (const b of loader) {
      void b;
      // All of epoch 0 is issued by now; what is loaded while `failing` is the look-ahead.
      failing = ++seen === loader.length - 1;
    }
    failing = false; // a fresh load of the victim would succeed: only the claimed one fails
    loader.setEpoch(1);
    await expect(pass(loader)).rejects.toThrow(`sample ${victim} is broken`);
  });

  it('a failed look-ahead load that is never claimed is dropped quietly', async () => {
    let failing = false;
    const ds: DetDataset = {
      ...counted(base),
      getItem: (i, rng) => (failing ? Promise.reject(new Error(`sample ${i} is broken`)) : base.getItem(i, rng)),
    };
    const loader = buildDataLoader(ds, { samplesPerGpu: 2, shuffle: true, seed: 4, prefetch: 2 });
    let seen = 0;
    for await (const b of loader) {
      void b;
      failing = ++seen === loader.length - 1;
    }
    failing = false;
    loader.setEpoch(7); // not the guessed epoch 1
    await new Promise((r) => setTimeout(r, 20)); // an unhandled rejection would surface meanwhile
    expect((await pass(loader)).length).toBe(loader.length);
  });
});

describe('EpochLookahead', () => {
  it('hands loads out only for the same epoch and index prefix, once', () => {
    const la = new EpochLookahead<number>();
    const started: number[] = [];
    la.begin(2, [7, 3, 5]);
    const load = (index: number) => {
      started.push(index);
      return Promise.resolve(index);
    };
    expect(la.startNext(load)).toBe(true);
    expect(la.startNext(load)).toBe(true);
    expect(started).toEqual([7, 3]);
    expect(la.claim(2, [7, 4, 5])).toHaveLength(0); // another order: not these samples
    la.begin(2, [7, 3, 5]);
    la.startNext(load);
    expect(la.claim(1, [7, 3, 5])).toHaveLength(0);
    la.begin(2, [7, 3, 5]);
    [1, 2, 3].forEach(() => la.startNext(load));
    expect(la.startNext(load)).toBe(false); // all positions of the guessed epoch started
    expect(la.claim(2, [7, 3, 5])).toHaveLength(3);
    expect(la.claim(2, [7, 3, 5])).toHaveLength(0);
  });
});
