import { SAMPLERS } from '@det/registry';
import { DistributedGroupSampler, DistributedSampler, GroupSampler, type Sampler } from '../index';

const dataset = (flags: number[]) => ({ length: flags.length, flag: Uint8Array.from(flags) });
// 13 landscape (flag 1) and 6 portrait (flag 0) images, interleaved.
const FLAGS = Array.from({ length: 19 }, (_, i) => (i % 3 === 2 ? 0 : 1));
const counts = (xs: number[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<number, number>());

describe('GroupSampler', () => {
  it('covers every index, pads each group to a multiple of the batch and keeps batches in one group', () => {
    const s = new GroupSampler({ samplesPerGpu: 4, seed: 1 }, dataset(FLAGS));
    const idx = s.indices();
    expect(s.length).toBe(16 + 8); // 13 → 16, 6 → 8
    expect(idx).toHaveLength(s.length);
    expect(new Set(idx).size).toBe(19);
    for (let b = 0; b < idx.length; b += 4) expect(new Set(idx.slice(b, b + 4).map((i) => FLAGS[i])).size).toBe(1);
    // Padding repeats at most (batch - 1) indices per group.
    expect([...counts(idx).values()].reduce((a, c) => a + (c - 1), 0)).toBe(5);
  });

  it('handles a data set with only landscape images (empty group 0)', () => {
    const s = new GroupSampler({ samplesPerGpu: 4 }, dataset([1, 1, 1, 1, 1]));
    expect(s.length).toBe(8);
    expect(new Set(s.indices())).toEqual(new Set([0, 1, 2, 3, 4]));
    const d = new DistributedGroupSampler({ samplesPerGpu: 2, worldSize: 2, rank: 1 }, dataset([1, 1, 1]));
    expect(d.indices()).toHaveLength(2);
  });

  it('is deterministic per (seed, epoch) and reshuffles across epochs', () => {
    const a = new GroupSampler({ samplesPerGpu: 2, seed: 3 }, dataset(FLAGS));
    const b = SAMPLERS.build<Sampler>({ type: 'GroupSampler', samplesPerGpu: 2, seed: 3 }, { args: [dataset(FLAGS)] });
    expect(b.indices()).toEqual(a.indices());
    const e0 = a.indices();
    a.setEpoch(1);
    expect(a.indices()).not.toEqual(e0);
    a.setEpoch(0);
    expect(a.indices()).toEqual(e0);
  });
});

describe('DistributedSampler', () => {
  it.each([1, 2, 3, 4])('world size %i: equal shards that together cover the set, duplicates only from padding', (ws) => {
    const shards = Array.from({ length: ws }, (_, r) => new DistributedSampler({ worldSize: ws, rank: r, seed: 5 }, dataset(FLAGS)));
    const all = shards.flatMap((s) => s.indices());
    shards.forEach((s) => expect(s.indices()).toHaveLength(Math.ceil(19 / ws)));
    expect(new Set(all).size).toBe(19);
    expect(all.length - 19).toBe(Math.ceil(19 / ws) * ws - 19);
  });

  it('keeps the order when shuffle is off and reshuffles per epoch otherwise', () => {
    expect(new DistributedSampler({ worldSize: 2, rank: 1, shuffle: false }, dataset([0, 0, 0, 0, 0])).indices()).toEqual([1, 3, 0]);
    const s = new DistributedSampler({ worldSize: 2, rank: 0, seed: 1 }, dataset(FLAGS));
    const e0 = s.indices();
    s.setEpoch(1);
    expect(s.indices()).not.toEqual(e0);
    expect(() => new DistributedSampler({ worldSize: 2, rank: 2 }, dataset(FLAGS))).toThrow(/rank/);
  });
});

describe('DistributedGroupSampler', () => {
  it.each([[1, 2], [2, 2], [3, 2], [2, 3]])('world %i × batch %i: equal shards, one group per batch, full coverage', (ws, b) => {
    const shards = Array.from({ length: ws }, (_, r) => new DistributedGroupSampler({ samplesPerGpu: b, worldSize: ws, rank: r, seed: 2 }, dataset(FLAGS)));
    const lists = shards.map((s) => s.indices());
    lists.forEach((l, r) => {
      expect(l).toHaveLength(shards[r].length);
      expect(l.length % b).toBe(0);
      for (let k = 0; k < l.length; k += b) expect(new Set(l.slice(k, k + b).map((i) => FLAGS[i])).size).toBe(1);
    });
    expect(new Set(lists.map((l) => l.length)).size).toBe(1);
    const all = lists.flat();
    expect(new Set(all).size).toBe(19);
    // Padding is what the per-group rounding adds, nothing more.
    const unit = b * ws;
    expect(all.length).toBe(Math.ceil(13 / unit) * unit + Math.ceil(6 / unit) * unit);
  });

  it('ranks agree on the epoch order (same seed) and differ across epochs', () => {
    const mk = (r: number) => new DistributedGroupSampler({ samplesPerGpu: 2, worldSize: 2, rank: r, seed: 9 }, dataset(FLAGS));
    const a = mk(0), a2 = mk(0);
    expect(a.indices()).toEqual(a2.indices());
    const e0 = a.indices();
    a.setEpoch(3);
    expect(a.indices()).not.toEqual(e0);
  });
});
