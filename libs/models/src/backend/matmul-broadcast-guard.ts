import * as tf from '@tensorflow/tfjs-core';
import { DetError } from '@det/registry';

/**
 * tfjs 4.22's BatchMatMul kernels flatten each operand's batch dimensions to one and pair the
 * flattened batches (cpu: index modulo each operand's batch count; webgpu and wasm alike), which
 * is only right when one operand has a single batch or both have the same batch shape (up to
 * leading 1s). A broadcast such as [2,3,4] × [2,1,5,4] → [2,2,3,5] passes tfjs's shape checks and
 * returns wrong numbers (on cpu, half of them never written). Found while checking det's
 * BatchMatMul gradient on broadcast batches (gradient-fixes.spec.ts). det turns it into an
 * error that says what to do; the supported cases run unchanged.
 */
export function matMulBatchesSupported(aBatch: readonly number[], bBatch: readonly number[]): boolean {
  const size = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);
  if (size(aBatch) <= 1 || size(bBatch) <= 1) return true;
  const strip = (s: readonly number[]) => s.slice(s.findIndex((d) => d !== 1));
  return tf.util.arraysEqual(strip(aBatch), strip(bBatch));
}

const GUARDED = Symbol('det.matMulBroadcastGuard');

/** The backends whose BatchMatMul pairs flattened batches (tfjs-node's runs TensorFlow's BatchMatMulV2, which broadcasts). */
const FLATTENING_BACKENDS = new Set(['cpu', 'native', 'wasm', 'webgpu']);

/** Wraps `backendName`'s BatchMatMul kernel with the check where it is needed. Idempotent. */
export function guardMatMulBroadcast(backendName: string): void {
  if (!FLATTENING_BACKENDS.has(backendName)) return;
  const kernel = tf.getKernel(tf.BatchMatMul, backendName);
  if (!kernel || (kernel.kernelFunc as unknown as Record<symbol, boolean>)[GUARDED]) return;
  const original = kernel.kernelFunc;
  const guarded: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const [aBatch, bBatch] = [a.shape.slice(0, -2), b.shape.slice(0, -2)];
    if (!matMulBatchesSupported(aBatch, bBatch)) {
      throw new DetError(
        `tf.matMul of [${a.shape}] and [${b.shape}]: tfjs's BatchMatMul cannot broadcast batch dimensions [${aBatch}] against ` +
        `[${bBatch}] (it would return wrong values); tf.broadcastTo both to the common batch shape first`);
    }
    return original(args);
  };
  (guarded as unknown as Record<symbol, boolean>)[GUARDED] = true;
  tf.unregisterKernel(tf.BatchMatMul, backendName);
  tf.registerKernel({ ...kernel, kernelFunc: guarded });
}
