import * as fs from 'node:fs';
import type { Command } from 'commander';
import { DetError } from '@det/registry';
import type { CocoEvalResult, CocoGtDict, CocoResult } from '@det/data';
import { printData, printJson } from '../io';

export interface EvalCommandOptions {
  gt: string;
  dets: string;
  json?: boolean;
  iouType?: string;
}

/** What `det eval --json` prints: the 12 COCOeval stats and AP@[.50:.95] per category id. */
export interface EvalJsonOutput {
  stats: number[];
  perCategory: Record<string, number>;
}

function readJsonFile(file: string, flag: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DetError(`${flag} file '${file}' cannot be read${code === 'ENOENT' ? ': no such file' : `: ${(err as Error).message}`}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DetError(`${flag} file '${file}' is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * The work of `det eval`: reads a COCO annotation file and a COCO results file, evaluates them
 * with det's pycocotools-equivalent COCO bbox evaluation, and returns the result and the text
 * to print (pycocotools' 12-line summary, then the per-category AP table).
 */
export async function evaluateFiles(options: EvalCommandOptions): Promise<{ result: CocoEvalResult; text: string; json: EvalJsonOutput }> {
  const iouType = options.iouType ?? 'bbox';
  if (iouType !== 'bbox') throw new DetError(`--iou-type '${iouType}' is not supported; det evaluates 'bbox' only`);
  // Loaded lazily so `det --help` does not load the data library.
  const { evaluateCoco, cocoSummaryLines, formatApTable, formatFixed3 } = await import('@det/data');
  const gt = readJsonFile(options.gt, '--gt');
  const dets = readJsonFile(options.dets, '--dets');
  const result = evaluateCoco(gt as CocoGtDict, dets as CocoResult[], { gtSource: options.gt, detsSource: options.dets });
  const names = new Map((gt as CocoGtDict).categories.map((c) => [String(c.id), c.name ?? String(c.id)]));
  const table = formatApTable(
    Object.entries(result.perCategory).map(([id, ap]) => ({ name: String(names.get(id) ?? id), ap })),
    formatFixed3,
  );
  const text = `${cocoSummaryLines(result).join('\n')}\n\nper-category AP @[ IoU=0.50:0.95 | area=all | maxDets=100 ]\n${table}`;
  return { result, text, json: { stats: result.stats, perCategory: result.perCategory } };
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('evaluate COCO-format detections against a COCO annotation file (COCO bbox mAP, pycocotools-exact)')
    .requiredOption('--gt <file>', 'COCO annotation file (images, annotations, categories)')
    .requiredOption('--dets <file>', 'COCO results file: [{ image_id, category_id, bbox: [x, y, w, h], score }]')
    .option('--iou-type <type>', "IoU type (only 'bbox')", 'bbox')
    .option('--json', 'print one JSON object { stats: [12 numbers], perCategory: { catId: AP } }')
    .action(async (options: EvalCommandOptions) => {
      const { text, json } = await evaluateFiles(options);
      if (options.json) printJson(json);
      else printData(text);
    });
}
