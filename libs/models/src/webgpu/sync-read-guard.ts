import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';

const GUARDED = Symbol.for('det.webgpu.syncReadGuard');

/**
 * tfjs-backend-webgpu reads GPU data synchronously (dataSync/arraySync/bufferSync, and ops that
 * read their inputs on the host such as tf.where's condition form, booleanMask, unique or the
 * sync nonMaxSuppression) by drawing into an OffscreenCanvas — which Node does not have, so the
 * stock failure is a bare "OffscreenCanvas is not defined". Replace that with an error saying
 * what to do. Data already on the host (small tensors, or after an awaited `data()`) still reads
 * synchronously.
 */
export function guardSyncReads(backend: tf.KernelBackend): void {
  const target = backend as tf.KernelBackend & { [GUARDED]?: boolean };
  if (target[GUARDED]) return;
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId: object) => {
    try {
      return readSync(dataId);
    } catch (err) {
      if (!/OffscreenCanvas/.test(String((err as Error).message))) throw err;
      const caller = firstCallerOutsideTfjs(new Error().stack);
      throw new DetError(
        'The webgpu backend cannot read GPU tensors synchronously in Node (dataSync/arraySync/bufferSync, ' +
          'tf.where(cond), booleanMask, nonMaxSuppression, unique): use `await tensor.data()` / `await tensor.array()` ' +
          `or the *Async op (whereAsync, booleanMaskAsync, nonMaxSuppressionAsync). Called from ${caller}.`,
        { cause: err, caller },
      );
    }
  };
  target[GUARDED] = true;
}

/** The first stack frame that is neither tfjs (node_modules, or its source-mapped tfjs-core/src and the like)
 *  nor this guard: the code to change. */
export function firstCallerOutsideTfjs(stack: string | undefined): string {
  const frames = String(stack ?? '').split('\n').slice(1).map((f) => f.trim());
  const own = frames.find((f) => f.startsWith('at ') && !/node_modules|[/\\]tfjs-[a-z-]+[/\\]src[/\\]|sync-read-guard|node:internal/.test(f));
  return own ? own.replace(/^at /, '') : '<unknown caller>';
}
