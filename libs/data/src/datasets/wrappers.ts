import { DATASETS, DetError, type ComponentConfig, type Rng } from '@det/registry';
import type { PipelineOutput } from '../pipelines/types';
import type { AnnInfo, DetDataset } from './types';

type DatasetOrConfig = DetDataset | ComponentConfig;

function buildChild(d: DatasetOrConfig, keyPath: string): DetDataset {
  return typeof (d as DetDataset).getItem === 'function' ? (d as DetDataset) : DATASETS.build<DetDataset>(d as ComponentConfig, { keyPath });
}

function childConfig(d: DetDataset, keyPath: string): ComponentConfig {
  if (!d.config) throw new DetError(`${keyPath}: this dataset cannot describe itself as a config; workers cannot rebuild it`);
  return d.config();
}

/** Several datasets back to back (classes from the first; all must agree). */
@DATASETS.register()
export class ConcatDataset implements DetDataset {
  readonly datasets: DetDataset[];
  readonly flag: Uint8Array;
  private readonly offsets: number[];

  constructor(options: { datasets: DatasetOrConfig[] }) {
    if (!Array.isArray(options?.datasets) || options.datasets.length === 0) {
      throw new DetError("ConcatDataset: 'datasets' must be a non-empty list");
    }
    this.datasets = options.datasets.map((d, i) => buildChild(d, `ConcatDataset.datasets[${i}]`));
    const names = JSON.stringify(this.datasets[0].classes);
    this.datasets.forEach((d, i) => {
      if (JSON.stringify(d.classes) !== names) {
        throw new DetError(`ConcatDataset: datasets[${i}] has classes ${JSON.stringify(d.classes)}, datasets[0] has ${names}`);
      }
    });
    this.offsets = [];
    let total = 0;
    for (const d of this.datasets) {
      this.offsets.push(total);
      total += d.length;
    }
    this.flag = new Uint8Array(total);
    this.datasets.forEach((d, i) => this.flag.set(d.flag, this.offsets[i]));
  }

  get classes(): string[] {
    return this.datasets[0].classes;
  }

  get length(): number {
    return this.flag.length;
  }

  getItem(i: number, rng?: Rng): Promise<PipelineOutput> {
    const [d, j] = this.locate(i);
    return d.getItem(j, rng);
  }

  getAnnInfo(i: number): AnnInfo {
    const [d, j] = this.locate(i);
    return d.getAnnInfo(j);
  }

  config(): ComponentConfig {
    return { type: 'ConcatDataset', datasets: this.datasets.map((d, i) => childConfig(d, `ConcatDataset.datasets[${i}]`)) };
  }

  private locate(i: number): [DetDataset, number] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new DetError(`ConcatDataset: index ${i} out of range 0..${this.length - 1}`);
    let k = this.offsets.length - 1;
    while (this.offsets[k] > i) k--;
    return [this.datasets[k], i - this.offsets[k]];
  }
}

/** Repeats a dataset `times` times (short epochs of a small set cost less loader start-up). */
@DATASETS.register()
export class RepeatDataset implements DetDataset {
  readonly dataset: DetDataset;
  readonly times: number;
  readonly flag: Uint8Array;

  constructor(options: { dataset: DatasetOrConfig; times: number }) {
    if (!Number.isInteger(options?.times) || options.times < 1) {
      throw new DetError(`RepeatDataset: 'times' must be a positive integer, got ${JSON.stringify(options?.times)}`);
    }
    if (!options.dataset) throw new DetError("RepeatDataset: 'dataset' is required");
    this.dataset = buildChild(options.dataset, 'RepeatDataset.dataset');
    this.times = options.times;
    this.flag = new Uint8Array(this.dataset.length * this.times);
    for (let t = 0; t < this.times; t++) this.flag.set(this.dataset.flag, t * this.dataset.length);
  }

  get classes(): string[] {
    return this.dataset.classes;
  }

  get length(): number {
    return this.flag.length;
  }

  getItem(i: number, rng?: Rng): Promise<PipelineOutput> {
    return this.dataset.getItem(this.inner(i), rng);
  }

  getAnnInfo(i: number): AnnInfo {
    return this.dataset.getAnnInfo(this.inner(i));
  }

  config(): ComponentConfig {
    return { type: 'RepeatDataset', times: this.times, dataset: childConfig(this.dataset, 'RepeatDataset.dataset') };
  }

  private inner(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new DetError(`RepeatDataset: index ${i} out of range 0..${this.length - 1}`);
    return i % this.dataset.length;
  }
}
