import { DetError, METRICS, getLogger } from '@det/registry';
import type { DetResult } from '../../datasets/types';
import { formatApTable } from '../common/table';
import { evaluateCoco, cocoSummaryLines } from '../coco/evaluate-coco';
import { formatFixed3 } from '../coco/summarize';
import type { CocoEvalResult, CocoGtDict, CocoResult } from '../coco/types';

/** What CocoMetric needs from a dataset (docs/contracts.md, "Dataset ↔ metric"). */
export interface CocoEvaluable {
  cocoGt(): CocoGtDict;
  toCocoResults(results: DetResult[]): CocoResult[];
  /** COCO category id of each label. */
  catIds: number[];
}

export interface CocoMetricOptions {
  /** Only 'bbox' (MMDetection's default) is supported. */
  metric?: string | string[];
  /** Log the per-category AP table. */
  classwise?: boolean;
  /** maxDets of COCOeval, as MMDetection's `proposal_nums` (default 100, 300, 1000). */
  proposalNums?: number[];
  iouThrs?: number[];
  /** Which stats to return (MMDetection names: mAP, mAP_50, ..., AR@100, AR_s@1000, ...). */
  metricItems?: string[];
}

/** MMDetection's names for COCOeval.stats entries. */
export const COCO_METRIC_ITEMS: Readonly<Record<string, number>> = {
  mAP: 0, mAP_50: 1, mAP_75: 2, mAP_s: 3, mAP_m: 4, mAP_l: 5,
  'AR@100': 6, 'AR@300': 7, 'AR@1000': 8, 'AR_s@1000': 9, 'AR_m@1000': 10, 'AR_l@1000': 11,
};
const DEFAULT_ITEMS = ['mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l'];

/**
 * COCO bbox metric with MMDetection 2.x's CocoDataset.evaluate behaviour: the dataset's images
 * and categories, maxDets = proposalNums, keys `bbox_mAP`, `bbox_mAP_50`, ... rounded to 3
 * decimals; the summary, the copypaste line and (classwise) the per-category table go to the log.
 */
@METRICS.register()
export class CocoMetric {
  /** Full result of the last evaluation (precision / recall arrays, unrounded stats). */
  lastResult?: CocoEvalResult;
  private readonly items: string[];

  constructor(readonly options: CocoMetricOptions = {}) {
    const metrics = Array.isArray(options.metric) ? options.metric : [options.metric ?? 'bbox'];
    const unsupported = metrics.filter((m) => m !== 'bbox');
    if (unsupported.length) {
      throw new DetError(`CocoMetric: metric '${unsupported[0]}' is not supported (det evaluates 'bbox' only)`);
    }
    this.items = options.metricItems ?? DEFAULT_ITEMS;
    const unknown = this.items.find((i) => !(i in COCO_METRIC_ITEMS));
    if (unknown) {
      throw new DetError(`CocoMetric: metricItems entry '${unknown}' is not one of ${Object.keys(COCO_METRIC_ITEMS).join(', ')}`);
    }
  }

  async evaluate(results: DetResult[], dataset: CocoEvaluable): Promise<Record<string, number>> {
    const gt = dataset.cocoGt();
    const dets = dataset.toCocoResults(results);
    const r = evaluateCoco(gt, dets, {
      catIds: dataset.catIds,
      imgIds: gt.images.map((im) => im.id),
      maxDets: this.options.proposalNums ?? [100, 300, 1000],
      iouThrs: this.options.iouThrs,
      gtSource: 'dataset ground truth',
      detsSource: 'detection results',
    });
    this.lastResult = r;
    const logger = getLogger();
    logger.info(`Evaluating bbox...\n${cocoSummaryLines(r).join('\n')}`);
    if (this.options.classwise) {
      const names = new Map(gt.categories.map((c) => [c.id, c.name ?? String(c.id)]));
      const entries = dataset.catIds.map((id) => ({ name: String(names.get(id) ?? id), ap: r.perCategory[String(id)] }));
      logger.info(`\n${formatApTable(entries, formatFixed3)}`);
    }
    const out: Record<string, number> = {};
    // MMDetection returns float(f'{stat:.3f}').
    for (const item of this.items) out[`bbox_${item}`] = Number(formatFixed3(r.stats[COCO_METRIC_ITEMS[item]]));
    logger.info(`bbox_mAP_copypaste: ${r.stats.slice(0, 6).map(formatFixed3).join(' ')}`);
    return out;
  }
}
