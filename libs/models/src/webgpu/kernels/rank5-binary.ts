import * as tf from '@tensorflow/tfjs-core';
import { overrideWebGpuKernel, type KernelFunc } from './kernel-override';

/**
 * tfjs-backend-webgpu 4.22 generates invalid WGSL ("cannot index type 'vec5'") for some binary ops
 * — RealDiv, Pow, SquaredDifference, Mod, Atan2 — when they broadcast at rank 5, so the dispatch is
 * dropped (found by det's op fuzz, 2026-11-26). A broadcast rarely needs 5 axes: axes of size 1
 * everywhere go, and neighbouring axes that broadcast the same way in both operands merge into one
 * (free reshapes). The op runs
 * on the merged views and its output takes the full shape back.
 */
export const RANK5_BINARY_KERNELS = ['RealDiv', 'Pow', 'SquaredDifference', 'Mod', 'Atan2'] as const;

/**
 * Both operands' shapes over the output's axes, without axes of size 1 everywhere and with
 * neighbouring axes merged where each operand broadcasts alike; null if that removes no axis.
 */
export function mergedBroadcastShapes(a: number[], b: number[]): { a: number[]; b: number[]; out: number[] } | null {
  const out = tf.broadcast_util.assertAndGetBroadcastShape(a, b);
  const pad = (s: number[]) => [...new Array(out.length - s.length).fill(1), ...s];
  const [pa, pb] = [pad(a), pad(b)];
  const merged = { a: [] as number[], b: [] as number[], out: [] as number[] };
  const kind = (i: number) => `${pa[i] === 1 ? 1 : 0}${pb[i] === 1 ? 1 : 0}`;
  let previous = '';
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 1) continue; // an axis of size 1 everywhere: dropped
    const last = merged.out.length - 1;
    const same = kind(i) === previous;
    previous = kind(i);
    if (same) {
      merged.a[last] *= pa[i];
      merged.b[last] *= pb[i];
      merged.out[last] *= out[i];
    } else {
      merged.a.push(pa[i]);
      merged.b.push(pb[i]);
      merged.out.push(out[i]);
    }
  }
  return merged.out.length < out.length ? merged : null;
}

function mergeRank5(original: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (Math.max(a.shape.length, b.shape.length) < 5) return original(args);
    const merged = mergedBroadcastShapes(a.shape, b.shape);
    if (!merged || merged.out.length >= 5) return original(args);
    const out = original({ ...args, inputs: { a: { ...a, shape: merged.a }, b: { ...b, shape: merged.b } } }) as tf.TensorInfo;
    return { ...out, shape: tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape) };
  };
}

export function registerRank5BinaryFix(): void {
  for (const name of RANK5_BINARY_KERNELS) if (tf.getKernel(name, 'webgpu')) overrideWebGpuKernel(name, mergeRank5);
}
