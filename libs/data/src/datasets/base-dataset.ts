import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATASETS, DetError, METRICS, globalRng, type ComponentConfig, type Rng } from '@det/registry';
import { Compose } from '../pipelines/compose';
import type { PipelineOutput, PipelineResults } from '../pipelines/types';
import { checkImagePath } from './validate';
import type { AnnInfo, CocoDetection, CocoGt, DataInfo, DetResult } from './types';

export interface BaseDatasetOptions {
  /** Annotation file (relative paths are taken from dataRoot). */
  annFile: string;
  pipeline?: ComponentConfig[];
  /** Class names in label order; a string is a file with one name per line. */
  classes?: string[] | string;
  dataRoot?: string;
  /** Image root (relative to dataRoot); defaults to dataRoot, else the annotation file's folder. */
  imgPrefix?: string;
  testMode?: boolean;
  /** Drop training images without any box (default true). */
  filterEmptyGt?: boolean;
  /** Drop training images whose shorter side is below this (MMDetection uses 32). */
  minSize?: number;
  /** Permit absolute image paths and `..` that leave the image root. */
  allowOutsideRoot?: boolean;
}

export interface EvaluateOptions {
  /** Shorthand ('bbox' → CocoMetric, 'mAP' → VOCMetric), a METRICS type name, or a full config. */
  metric?: string | ComponentConfig;
  [option: string]: unknown;
}

const METRIC_ALIASES: Record<string, string> = { bbox: 'CocoMetric', mAP: 'VOCMetric' };

/**
 * Shared machinery of the annotation-file datasets (MMDetection's CustomDataset): loading,
 * training filters, aspect-ratio flags, the pipeline, COCO views of the ground truth.
 */
export abstract class BaseDataset {
  classes: string[];
  readonly annFile: string;
  readonly imgRoot: string;
  readonly testMode: boolean;
  dataInfos: DataInfo[];
  /** 1 where width / height > 1 (landscape), else 0; the samplers group batches by it. */
  flag: Uint8Array;
  readonly pipeline: Compose;
  protected readonly defaultMetric: string = 'CocoMetric';

  constructor(readonly options: BaseDatasetOptions) {
    if (!options || typeof options.annFile !== 'string') {
      throw new DetError(`${new.target.name}: 'annFile' is required (got ${JSON.stringify(options?.annFile)})`);
    }
    const root = options.dataRoot;
    const join = (p: string) => (root && !path.isAbsolute(p) ? path.join(root, p) : p);
    this.annFile = path.resolve(join(options.annFile));
    this.imgRoot = path.resolve(
      options.imgPrefix !== undefined ? join(options.imgPrefix) : (root ?? path.dirname(this.annFile)),
    );
    this.testMode = options.testMode ?? false;
    this.classes = this.resolveClasses(options.classes);
    this.pipeline = new Compose(options.pipeline ?? [], `${new.target.name}.pipeline`);
    this.dataInfos = this.loadAnnotations(this.annFile);
    for (const [i, info] of this.dataInfos.entries()) {
      checkImagePath(this.annFile, `entry ${i}`, info.filename, this.imgRoot, options.allowOutsideRoot ?? false);
    }
    if (!this.testMode) this.dataInfos = this.filterImages();
    this.flag = Uint8Array.from(this.dataInfos, (d) => (d.width / d.height > 1 ? 1 : 0));
  }

  /** Subclasses parse their format into middle-format entries (errors name file and entry). */
  protected abstract loadAnnotations(annFile: string): DataInfo[];

  /** Default class names when the config gives none. */
  protected defaultClasses(): string[] | undefined {
    return undefined;
  }

  get length(): number {
    return this.dataInfos.length;
  }

  getAnnInfo(i: number): AnnInfo {
    const ann = this.info(i).ann;
    return ann ?? { bboxes: new Float32Array(0), labels: new Int32Array(0), bboxesIgnore: new Float32Array(0) };
  }

  /**
   * Runs the pipeline on sample `i`. In training a sample the pipeline drops (e.g. a crop with no
   * box) is replaced by another one of the same aspect group, as in MMDetection.
   */
  async getItem(i: number, rng: Rng = globalRng()): Promise<PipelineOutput> {
    let index = i;
    for (let attempt = 0; ; attempt++) {
      const out = await this.runPipeline(index, rng);
      if (out) return out;
      if (this.testMode) throw new DetError(`${this.constructor.name}: the test pipeline dropped sample ${index}`);
      if (attempt >= 100) throw new DetError(`${this.constructor.name}: the pipeline dropped 100 samples in a row starting at ${i}`);
      const pool = [...this.flag.keys()].filter((j) => this.flag[j] === this.flag[index]);
      index = pool[rng.nextInt(pool.length)];
    }
  }

  /** The config this dataset was built from (used by loader workers to rebuild it). */
  config(): ComponentConfig {
    const entry = DATASETS.entries().find((e) => e.target === this.constructor);
    if (!entry) throw new DetError(`${this.constructor.name} is not registered in DATASETS; workers cannot rebuild it`);
    // The plain name: the scoped one embeds an owner that another thread may derive differently.
    return { ...this.options, type: entry.name };
  }

  /** Category id for each label (COCO ids for CocoDataset, 1-based label numbers otherwise). */
  get catIds(): number[] {
    return this.classes.map((_, i) => i + 1);
  }

  /** Ground truth of the dataset's images as a COCO dict (iscrowd marks ignore boxes). */
  cocoGt(): CocoGt {
    const images: CocoGt['images'] = [];
    const annotations: CocoGt['annotations'] = [];
    this.dataInfos.forEach((info, i) => {
      const imageId = this.imageId(i);
      images.push({ id: imageId, file_name: info.filename, width: info.width, height: info.height });
      const ann = this.getAnnInfo(i);
      const push = (boxes: Float32Array, k: number, label: number, crowd: number) => {
        const [x1, y1, x2, y2] = boxes.subarray(4 * k, 4 * k + 4);
        annotations.push({
          id: annotations.length + 1, image_id: imageId, category_id: this.catIds[label],
          bbox: [x1, y1, x2 - x1, y2 - y1], area: (x2 - x1) * (y2 - y1), iscrowd: crowd,
        });
      };
      for (let k = 0; k < ann.labels.length; k++) push(ann.bboxes, k, ann.labels[k], 0);
      // Ignore boxes become crowd regions; without labels they may hide any class.
      for (let k = 0; k < ann.bboxesIgnore.length / 4; k++) {
        if (ann.labelsIgnore) push(ann.bboxesIgnore, k, ann.labelsIgnore[k], 1);
        else for (let c = 0; c < this.classes.length; c++) push(ann.bboxesIgnore, k, c, 1);
      }
    });
    return { images, annotations, categories: this.classes.map((name, i) => ({ id: this.catIds[i], name })) };
  }

  /** Image id used in COCO views: the file's id when it has one, else the index. */
  imageId(i: number): number {
    return this.info(i).id ?? i;
  }

  /** Converts per-image detections (in dataset order) to COCO results. */
  toCocoResults(results: DetResult[]): CocoDetection[] {
    if (results.length !== this.length) {
      throw new DetError(`${this.constructor.name}: got ${results.length} results for ${this.length} images`);
    }
    const out: CocoDetection[] = [];
    results.forEach((r, i) => {
      const imageId = this.imageId(i);
      for (let k = 0; k < r.labels.length; k++) {
        const [x1, y1, x2, y2] = r.bboxes.subarray(4 * k, 4 * k + 4);
        const label = r.labels[k];
        if (!(label >= 0 && label < this.classes.length)) {
          throw new DetError(`${this.constructor.name}: result ${i} has label ${label} outside 0..${this.classes.length - 1}`);
        }
        out.push({ image_id: imageId, category_id: this.catIds[label], bbox: [x1, y1, x2 - x1, y2 - y1], score: r.scores[k] });
      }
    });
    return out;
  }

  /** Builds the metric from METRICS and runs it on `results`. */
  async evaluate(results: DetResult[], options: EvaluateOptions = {}): Promise<Record<string, number>> {
    const { metric = this.defaultMetric, ...rest } = options;
    const cfg: ComponentConfig =
      typeof metric === 'string' ? { ...rest, type: METRIC_ALIASES[metric] ?? metric } : { ...rest, ...metric };
    const built = METRICS.build<{ evaluate(r: DetResult[], d: unknown): Promise<Record<string, number>> }>(cfg, {
      keyPath: 'evaluation.metric',
    });
    return built.evaluate(results, this);
  }

  protected info(i: number): DataInfo {
    const info = this.dataInfos[i];
    if (!Number.isInteger(i) || !info) {
      throw new DetError(`${this.constructor.name}: index ${i} out of range 0..${this.length - 1}`);
    }
    return info;
  }

  protected readText(file: string): string {
    return fs.readFileSync(file, 'utf8');
  }

  private async runPipeline(i: number, rng: Rng): Promise<PipelineOutput | null> {
    const info = this.info(i);
    const results: PipelineResults = { imgInfo: info, imgPrefix: this.imgRoot, bboxFields: [] };
    if (!this.testMode) results.annInfo = this.getAnnInfo(i);
    try {
      return await this.pipeline.apply(results, { rng });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const wrapped = new DetError(
        `${this.constructor.name}: sample ${i} ('${path.resolve(this.imgRoot, info.filename)}'): ${msg}`,
        { index: i, file: info.filename },
      );
      if (err instanceof Error) wrapped.stack = `${wrapped.stack}\nCaused by: ${err.stack}`;
      throw wrapped;
    }
  }

  private resolveClasses(classes: string[] | string | undefined): string[] {
    if (typeof classes === 'string') {
      const file = this.options.dataRoot && !path.isAbsolute(classes) ? path.join(this.options.dataRoot, classes) : classes;
      return this.readText(file).split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
    }
    if (Array.isArray(classes)) return [...classes];
    const fallback = this.defaultClasses();
    if (fallback) return fallback;
    return [];
  }

  /** Training filters: too-small images and (optionally) images without boxes. */
  private filterImages(): DataInfo[] {
    const minSize = this.options.minSize ?? 0;
    const dropEmpty = this.options.filterEmptyGt ?? true;
    return this.dataInfos.filter((info, i) => {
      if (Math.min(info.width, info.height) < minSize) return false;
      if (!dropEmpty) return true;
      const ann = this.dataInfos[i].ann;
      return !!ann && ann.bboxes.length + ann.bboxesIgnore.length > 0;
    });
  }
}
