import * as tf from '@tensorflow/tfjs-core';
import { getLogger } from '@det/registry';
import { LoadReport, Module, formatLoadReport } from '../nn';

export interface LoadCheckpointOptions {
  /** Throw on any missing / unexpected / mismatched key (default false: load what fits and report). */
  strict?: boolean;
  /** Prefixes stripped from checkpoint keys when every key has them. Default: det checkpoints' `state_dict.` and DataParallel's `module.`. */
  stripPrefixes?: string[];
  /** Log the report at warn level when anything did not match (default true). */
  log?: boolean;
}

/** Keys without `prefix` when every key that matters carries it. */
function stripPrefix(sd: Record<string, tf.Tensor>, prefix: string): Record<string, tf.Tensor> {
  const keys = Object.keys(sd);
  const matching = keys.filter((k) => k.startsWith(prefix));
  if (matching.length === 0) return sd;
  // A det checkpoint also holds `optimizer.*` tensors: keep only the state_dict part.
  return Object.fromEntries(matching.map((k) => [k.slice(prefix.length), sd[k]]));
}

/**
 * Loads a state dict (e.g. from loadWeights) into `model`. Returns which keys were missing,
 * unexpected, or had another shape; strict mode throws a DetError listing them instead.
 */
export function loadCheckpointInto(model: Module, sd: Record<string, tf.Tensor>, options: LoadCheckpointOptions = {}): LoadReport {
  let weights = sd;
  for (const prefix of options.stripPrefixes ?? ['state_dict.', 'module.']) weights = stripPrefix(weights, prefix);
  const report = model.loadStateDict(weights, { strict: options.strict ?? false });
  const clean = !report.missing.length && !report.unexpected.length && !report.mismatched.length;
  if (!clean && (options.log ?? true)) getLogger().warn(`loadCheckpointInto: checkpoint and model differ\n${formatLoadReport(report)}`);
  return report;
}
