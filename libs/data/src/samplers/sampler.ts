import { DetError } from '@det/registry';

/** Orders dataset indices for one epoch. Built as `SAMPLERS.build(cfg, { args: [dataset] })`. */
export interface Sampler {
  /** Indices per epoch (after padding). */
  readonly length: number;
  setEpoch(epoch: number): void;
  indices(): number[];
}

/** The part of a dataset a sampler reads. */
export interface SizedDataset {
  readonly length: number;
  readonly flag?: Uint8Array;
}

/** Seed of the shuffle of one epoch; samplers on every rank derive the same one. */
export const epochSeed = (seed: number, epoch: number): number =>
  (Math.imul((seed >>> 0) ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(epoch + 1, 0x85ebca6b)) >>> 0;

export function checkPositiveInt(owner: string, key: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new DetError(`${owner}: '${key}' must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

/** Index lists per aspect group (group id = flag value). */
export function groupIndices(dataset: SizedDataset): number[][] {
  const flag = dataset.flag ?? new Uint8Array(dataset.length);
  const groups: number[][] = [];
  flag.forEach((g, i) => (groups[g] ??= []).push(i));
  return Array.from(groups, (g) => g ?? []); // fills holes (e.g. no portrait images) that map() would skip
}

/** Plain order 0..n-1 (tests, or shuffle: false without distribution). */
export class SequentialSampler implements Sampler {
  constructor(private readonly dataset: SizedDataset) {}
  get length(): number {
    return this.dataset.length;
  }
  setEpoch(): void {}
  indices(): number[] {
    return Array.from({ length: this.dataset.length }, (_, i) => i);
  }
}
