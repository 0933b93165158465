import * as fs from 'node:fs';
import { DetError } from '@det/registry';
import type { CheckpointContent, LoadReport, RunnerModel } from '@det/runner';

const FIRST = 5;

/** `a, b, c (and 12 more)`: enough keys to recognise the problem without flooding the terminal. */
function someOf(items: string[]): string {
  const head = items.slice(0, FIRST).join(', ');
  return items.length > FIRST ? `${head} (and ${items.length - FIRST} more)` : head;
}

/** One paragraph describing a load report, or '' when the weights fit exactly. */
export function describeLoadReport(report: LoadReport): string {
  const parts: string[] = [];
  if (report.mismatched.length) {
    parts.push(`${report.mismatched.length} with a different shape: ${someOf(report.mismatched.map((m) => `${m.key} model [${m.expected}] vs checkpoint [${m.got}]`))}`);
  }
  if (report.missing.length) parts.push(`${report.missing.length} missing from the checkpoint: ${someOf(report.missing)}`);
  if (report.unexpected.length) parts.push(`${report.unexpected.length} not in the model: ${someOf(report.unexpected)}`);
  return parts.join('; ');
}

export async function readCheckpointFile(file: string): Promise<CheckpointContent> {
  if (!fs.existsSync(file)) throw new DetError(`checkpoint '${file}' does not exist`);
  const { loadCheckpoint } = await import('@det/runner');
  try {
    return await loadCheckpoint(file);
  } catch (err) {
    if (err instanceof DetError) throw err;
    throw new DetError(`checkpoint '${file}' cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Loads a checkpoint's weights into `model`. Strict (test / infer): any key that does not fit is
 * an error naming a few of them, the usual sign of a checkpoint from another architecture or class
 * count. Not strict (`loadFrom`): the report is returned for the caller to log.
 */
export async function loadDetectorWeights(
  model: RunnerModel, file: string, strict: boolean, modelType?: string,
): Promise<{ checkpoint: CheckpointContent; report: LoadReport }> {
  const checkpoint = await readCheckpointFile(file);
  const { loadWeightsInto } = await import('@det/runner');
  // Loaded non-strictly so det, not the model, words the error.
  const report = loadWeightsInto(model, checkpoint.stateDict, false);
  const problems = describeLoadReport(report);
  if (strict && problems) {
    const arch = (checkpoint.meta?.config as { model?: { type?: string } } | undefined)?.model?.type;
    throw new DetError(
      `checkpoint '${file}' does not fit the model${arch && arch !== modelType ? ` (it was trained as a '${arch}', the config builds a '${modelType}')` : ''}: ${problems}. ` +
        'Is it from a different config or class count?',
    );
  }
  return { checkpoint, report };
}
