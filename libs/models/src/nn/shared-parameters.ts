import * as tf from '@tensorflow/tfjs-core';
import type { Module } from './module';

/**
 * Gradients of parameters that one module uses on several inputs in a step (a dense head's
 * convs run on every FPN level). tfjs's autodiff adds each further use's gradient into the
 * parameter's with one Add op: RetinaNet's head paid 50 Adds per step, a GPU dispatch each on
 * webgpu. `mapSharedParameters` gives each input its own view of every trainable parameter (an
 * identity: no copy on cpu, native and webgpu) through one op whose gradient sums the views'
 * gradients with a single AddN per parameter.
 *
 * The AddN sums the views in reverse input order, the order in which the tape's Adds would have
 * accumulated them, so the gradients are bit-identical to the plain loop's where AddN adds left
 * to right: cpu (`shared-parameters.spec.ts`), native, webgpu's AddN shader.
 */

let activeViews: Map<tf.Tensor, tf.Tensor> | null = null;

/**
 * The tensor a layer computes with for its parameter `v`: the view of the input being run inside
 * `mapSharedParameters`, otherwise `v` itself. Layers read their parameters through it.
 */
export function parameterValue<T extends tf.Tensor>(v: T): T {
  return (activeViews?.get(v) as T | undefined) ?? v;
}

/**
 * `inputs.map(fn)`, where every trainable parameter of `modules` is seen by `fn` through its own
 * view per input while gradients are being recorded. The results and gradients are those of the
 * plain map. Without a gradient tape (inference), with one input, or nested inside another call,
 * it is the plain map.
 */
export function mapSharedParameters<T>(modules: readonly Module[], inputs: readonly tf.Tensor[], fn: (x: tf.Tensor, index: number) => T): T[] {
  if (inputs.length < 2 || activeViews || !tapeEngine().isTapeOn()) return inputs.map((x, i) => fn(x, i));
  const params = [...new Set(modules.flatMap((m) => m.namedParameters().map(([, v]) => v)))].filter((v) => v.trainable);
  // the views belong to the caller's scope, like any op's output: its tidy frees them
  const views = params.map((v) => fanOut(v, inputs.length));
  return inputs.map((x, i) => {
    activeViews = new Map(params.map((v, j) => [v, views[j][i]]));
    try {
      return fn(x, i);
    } finally {
      activeViews = null;
    }
  });
}

/** What this file uses of tfjs's engine: its custom-op runner and the tape it records on. */
interface TapeEngine {
  isTapeOn(): boolean;
  runKernelFunc(params: {
    forwardFunc: () => tf.Tensor[];
    backwardsFunc: (dys: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor[];
  state: { activeTape: { outputs: tf.Tensor[]; gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor> }[] | null };
}

function tapeEngine(): TapeEngine {
  return tf.engine() as unknown as TapeEngine;
}

/**
 * n identities of `v` as one taped op. Its gradient is the sum of the views' gradients; a view
 * whose use does not reach the loss (a head branch a level's loss leaves out) has none and is
 * skipped — tfjs would hand it in as a zero tensor made on the host, an upload per view.
 */
function fanOut(v: tf.Tensor, n: number): tf.Tensor[] {
  const engine = tapeEngine();
  const sum = (dys: (tf.Tensor | null)[]) => {
    const present = dys.filter((d): d is tf.Tensor => d != null).reverse();
    return { x: () => (present.length === 1 ? tf.clone(present[0]) : tf.addN(present)) };
  };
  const views = engine.runKernelFunc({
    forwardFunc: () => Array.from({ length: n }, () => tf.clone(v)),
    backwardsFunc: sum,
    inputs: { x: v },
  });
  const tape = engine.state.activeTape;
  const node = tape?.[tape.length - 1];
  if (!node || node.outputs[0] !== views[0]) {
    throw new Error('mapSharedParameters: tfjs did not record the fan-out where expected (tfjs-core internals changed?)');
  }
  node.gradient = sum;
  return views;
}
