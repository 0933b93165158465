import { DetError, METRICS, getLogger } from '@det/registry';
import type { DetResult } from '../../datasets/types';
import { formatTable } from '../common/table';
import { formatFixed3 } from '../coco/summarize';
import type { ApMode } from '../voc/average-precision';
import { evaluateVoc, type VocAnnotation, type VocDetections, type VocEvalResult } from '../voc/eval-map';

/** What VOCMetric needs from a dataset (docs/contracts.md, "Dataset ↔ metric"). */
export interface VocEvaluable {
  classes: string[];
  length: number;
  getAnnInfo(i: number): VocAnnotation;
  /** 2007 selects the 11-point AP, as MMDetection's VOCDataset does. */
  year?: number;
}

export interface VocMetricOptions {
  metric?: string;
  /** One threshold or several (each gives an `APxx` key; `mAP` is their mean). */
  iouThr?: number | number[];
  mode?: ApMode;
  /** +1 pixel widths (default true, as MMDetection's VOCDataset). */
  useLegacyCoordinate?: boolean;
}

/** Per-image, per-class n*5 rows (x1, y1, x2, y2, score) from det results. */
export function detResultsToVoc(results: DetResult[], numClasses: number): VocDetections {
  return results.map((r, i) => {
    const rows: number[][] = Array.from({ length: numClasses }, () => []);
    for (let k = 0; k < r.labels.length; k++) {
      const label = r.labels[k];
      if (!(label >= 0 && label < numClasses)) {
        throw new DetError(`VOCMetric: result ${i} detection ${k} has label ${label} outside 0..${numClasses - 1}`);
      }
      rows[label].push(r.bboxes[4 * k], r.bboxes[4 * k + 1], r.bboxes[4 * k + 2], r.bboxes[4 * k + 3], r.scores[k]);
    }
    return rows.map((row) => Float64Array.from(row));
  });
}

/** Per-class table as MMDetection's print_map_summary: class, gts, dets, recall, ap. */
export function formatVocTable(r: VocEvalResult): string {
  const rows = r.perClass.map((c) => [c.name, String(c.numGts), String(c.numDets), formatFixed3(c.recall), formatFixed3(c.ap)]);
  rows.push(['mAP', '', '', '', formatFixed3(r.mAP)]);
  return formatTable(['class', 'gts', 'dets', 'recall', 'ap'], rows);
}

/**
 * VOC mAP with MMDetection 2.x's VOCDataset.evaluate behaviour: keys `AP50` (rounded to 3
 * decimals, one per IoU threshold) and `mAP` (their unrounded mean); per-class table to the log.
 */
@METRICS.register()
export class VOCMetric {
  lastResults: VocEvalResult[] = [];
  private readonly thresholds: number[];

  constructor(readonly options: VocMetricOptions = {}) {
    if (options.metric !== undefined && options.metric !== 'mAP') {
      throw new DetError(`VOCMetric: metric '${options.metric}' is not supported (only 'mAP')`);
    }
    this.thresholds = Array.isArray(options.iouThr) ? options.iouThr : [options.iouThr ?? 0.5];
    if (!this.thresholds.length || this.thresholds.some((t) => !(t > 0 && t <= 1))) {
      throw new DetError(`VOCMetric: iouThr must be in (0, 1] (got ${JSON.stringify(options.iouThr)})`);
    }
  }

  async evaluate(results: DetResult[], dataset: VocEvaluable): Promise<Record<string, number>> {
    if (results.length !== dataset.length) {
      throw new DetError(`VOCMetric: got ${results.length} results for ${dataset.length} images`);
    }
    const dets = detResultsToVoc(results, dataset.classes.length);
    const anns = Array.from({ length: dataset.length }, (_, i) => dataset.getAnnInfo(i));
    const mode = this.options.mode ?? (dataset.year === 2007 ? '11points' : 'area');
    const out: Record<string, number> = {};
    this.lastResults = this.thresholds.map((iouThr) => {
      const r = evaluateVoc(dets, anns, { iouThr, mode, useLegacyCoordinate: this.options.useLegacyCoordinate ?? true, classes: dataset.classes });
      getLogger().info(`\n---------------iou_thr: ${iouThr}---------------\n${formatVocTable(r)}`);
      out[`AP${String(Math.trunc(iouThr * 100)).padStart(2, '0')}`] = Number(formatFixed3(r.mAP));
      return r;
    });
    out.mAP = this.lastResults.reduce((s, r) => s + r.mAP, 0) / this.lastResults.length;
    return out;
  }
}
