import * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs-backend-webgpu's matMul (and its convs through im2col) splits K over workgroups where the
 * output is small and adds the parts with float atomics, in whatever order they finish: the last
 * bits vary run to run. Above this threshold of 32×32 output tiles it tiles the output instead;
 * at 1 practically every matMul does (only outputs within one tile with K ≥ 2000 still split).
 */
const WEBGPU_SPLIT_K_THRESHOLD_FLAG = 'WEBGPU_THRESHOLD_TO_INCREASE_WORKGROUPS_FOR_MATMUL';

/**
 * `--deterministic` (MMDetection's `deterministic`, like `cudnn.deterministic`): on webgpu, no
 * split-K matMul, so a run repeats bit for bit — slower where outputs are small (fewer
 * workgroups). The cpu, native and wasm backends are deterministic already. Returns what changed,
 * for the log, or null.
 */
export function setDeterministic(on: boolean): string | null {
  if (tf.getBackend() !== 'webgpu') return null;
  tf.env().set(WEBGPU_SPLIT_K_THRESHOLD_FLAG, on ? 1 : -1);
  return on ? 'webgpu: no split-K matMul (its float atomics make the last bits vary run to run)' : null;
}
