import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';

/** Loss outputs: a scalar or a list of scalars (e.g. one per level) per name. */
export type LossDict = Record<string, tf.Tensor | tf.Tensor[]>;

/**
 * MMDetection's _parse_losses: each entry is averaged (lists: sum of means); `loss` is the sum of
 * every entry whose name contains 'loss'. Returns tensors; the caller reads them back.
 */
export function parseLosses(losses: LossDict): { loss: tf.Scalar; logVars: Record<string, tf.Scalar> } {
  return tf.tidy(() => {
    const logVars: Record<string, tf.Scalar> = {};
    for (const [name, value] of Object.entries(losses)) {
      if (value instanceof tf.Tensor) logVars[name] = tf.mean(value);
      else if (Array.isArray(value)) logVars[name] = tf.addN(value.map((v) => tf.mean(v)));
      else throw new DetError(`parseLosses: '${name}' is not a tensor or a list of tensors`);
    }
    const names = Object.keys(logVars).filter((k) => k.includes('loss'));
    if (names.length === 0) throw new DetError(`parseLosses: no entry name contains 'loss' (got ${Object.keys(losses).join(', ') || 'nothing'})`);
    const loss = names.length === 1 ? tf.clone(logVars[names[0]]) : (tf.addN(names.map((k) => logVars[k])) as tf.Scalar);
    return { loss, logVars: { ...logVars, loss } };
  });
}

/** Reads scalar tensors back as numbers. */
export async function readScalars(tensors: Record<string, tf.Tensor>): Promise<Record<string, number>> {
  const entries = await Promise.all(Object.entries(tensors).map(async ([k, t]) => [k, (await t.data())[0]] as const));
  return Object.fromEntries(entries);
}
