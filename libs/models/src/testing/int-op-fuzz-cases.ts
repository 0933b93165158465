import * as tf from '@tensorflow/tfjs-core';
import { differentialMismatches, outputsAndGradients, seededPicker, sizeOf } from './differential';

/**
 * Seeded random cases of the integer, boolean and rounding ops det's losses, targets and
 * post-processing use (one-hot targets, ignore masks, label comparisons, index gathers), forward
 * only, for differential specs against the cpu backend: casts (truncation, to bool), rounding
 * (floor / ceil / round with ties), argMax / argMin (ties on a coarse value grid), comparisons
 * and `where` with broadcasting, oneHot with out-of-range labels, gathers along any axis, int32
 * arithmetic (floorDiv and mod of negatives), logical ops, top-k, int sums and maxima. Values sit
 * on a grid of 0.25 (and .5 ties), so equalities and ties are common.
 */
export interface IntOpFuzzCase {
  desc: string;
  inputs: { shape: number[]; values: Float32Array }[];
  f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
}

export function intOpFuzzCases(count: number, seed = 2028): IntOpFuzzCase[] {
  const { rnd, pick } = seededPicker(seed);
  const size = sizeOf;
  const grid = (n: number, range = 3) => Float32Array.from({ length: n }, () => Math.round((rnd() * 2 - 1) * range * 4) / 4);
  const input = (shape: number[], v = grid(size(shape))) => ({ shape, values: v });
  const randomShape = (rank: number) => Array.from({ length: rank }, () => pick([1, 2, 3, 5, 7]));
  const broadcastPair = () => {
    const full = randomShape(pick([1, 2, 3, 4]));
    return [full.map((d) => (rnd() < 0.3 ? 1 : d)), full.map((d) => (rnd() < 0.3 ? 1 : d)).slice(Math.floor(rnd() * full.length))];
  };
  const int = (x: tf.Tensor) => tf.cast(x, 'int32');
  const make = (): IntOpFuzzCase => {
    const kind = pick(['cast', 'round', 'arg', 'compare', 'where', 'oneHot', 'gather', 'intMath', 'logical', 'topk', 'intReduce'] as const);
    if (kind === 'cast') {
      const shape = randomShape(pick([1, 2, 3]));
      const to = pick(['int32', 'bool'] as const);
      return { desc: `cast ${shape} → ${to}`, inputs: [input(shape)], f: (x) => tf.cast(x, to) };
    }
    if (kind === 'round') {
      const shape = randomShape(pick([1, 2]));
      const op = pick(['floor', 'ceil', 'round', 'sign'] as const);
      // halves: x.5 on every other element (round's ties go to even on cpu)
      const v = grid(size(shape)).map((x, i) => (i % 2 ? Math.trunc(x) + 0.5 : x));
      return { desc: `${op} ${shape}`, inputs: [input(shape, v)], f: (x) => tf[op](x) };
    }
    if (kind === 'arg') {
      const shape = randomShape(pick([1, 2, 3]));
      const axis = Math.floor(rnd() * shape.length);
      const op = pick(['argMax', 'argMin'] as const);
      const v = grid(size(shape), 1); // few distinct values: ties in most rows
      return { desc: `${op} ${shape} axis ${axis}`, inputs: [input(shape, v)], f: (x) => tf[op](x, axis) };
    }
    if (kind === 'compare') {
      const [a, b] = broadcastPair();
      const op = pick(['equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual'] as const);
      const asInt = rnd() < 0.5;
      return { desc: `${op} [${a}], [${b}]${asInt ? ' int32' : ''}`, inputs: [input(a), input(b)],
        f: (x, y) => (asInt ? tf[op](int(x), int(y)) : tf[op](x, y)) };
    }
    if (kind === 'where') {
      const [a, b] = broadcastPair();
      return { desc: `where(c > 0, a, b) [${a}], [${b}]`, inputs: [input(a), input(a), input(b)],
        f: (c, x, y) => tf.where(tf.greater(c, 0), x, y) };
    }
    if (kind === 'oneHot') {
      const n = pick([1, 4, 9, 64]);
      const depth = pick([2, 3, 5, 80]);
      // labels from -1 to depth: the out-of-range ones give all-zero rows (det's background)
      const v = Float32Array.from({ length: n }, () => Math.floor(rnd() * (depth + 2)) - 1);
      return { desc: `oneHot ${n} labels, depth ${depth}`, inputs: [input([n], v)], f: (x) => tf.oneHot(int(x) as tf.Tensor1D, depth) };
    }
    if (kind === 'gather') {
      const shape = randomShape(pick([1, 2, 3]));
      const axis = Math.floor(rnd() * shape.length);
      const k = pick([1, 3, 8]);
      const idx = Float32Array.from({ length: k }, () => Math.floor(rnd() * shape[axis]));
      const asInt = rnd() < 0.5;
      return { desc: `gather ${shape}${asInt ? ' int32' : ''} axis ${axis}, ${k} indices`, inputs: [input(shape), input([k], idx)],
        f: (x, i) => tf.gather(asInt ? int(x) : x, int(i), axis) };
    }
    if (kind === 'intMath') {
      const [a, b] = broadcastPair();
      const op = pick(['add', 'sub', 'mul', 'floorDiv', 'mod', 'maximum', 'minimum'] as const);
      // whole numbers from -6 to 6; no zero divisors
      const whole = (shape: number[], nonZero: boolean) => grid(size(shape), 6).map((v) => { const w = Math.round(v); return nonZero && w === 0 ? 3 : w; });
      const divides = op === 'floorDiv' || op === 'mod';
      return { desc: `${op} int32 [${a}], [${b}]`, inputs: [input(a, whole(a, false)), input(b, whole(b, divides))],
        f: (x, y) => tf[op](int(x), int(y)) };
    }
    if (kind === 'logical') {
      const [a, b] = broadcastPair();
      const op = pick(['logicalAnd', 'logicalOr', 'logicalXor', 'logicalNot'] as const);
      return { desc: `${op} [${a}], [${b}]`, inputs: [input(a), input(b)],
        f: (x, y) => (op === 'logicalNot' ? tf.logicalNot(tf.greater(x, 0)) : tf[op](tf.greater(x, 0), tf.greater(y, 0))) };
    }
    if (kind === 'topk') {
      const shape = [pick([1, 3]), pick([1, 5, 17, 100])];
      const k = Math.min(shape[1], pick([1, 3, 10]));
      // distinct values: which of equal values comes first is not specified across backends
      const v = Float32Array.from({ length: size(shape) }, (_, i) => ((i * 7919) % 1009) / 100 - 5);
      return { desc: `topk ${shape} k ${k}`, inputs: [input(shape, v)], f: (x) => { const { values, indices } = tf.topk(x, k); return [values, indices]; } };
    }
    const shape = randomShape(pick([1, 2, 3]));
    const axis = Math.floor(rnd() * shape.length);
    const op = pick(['sum', 'max', 'min', 'any', 'all'] as const);
    const logical = op === 'any' || op === 'all';
    return { desc: `${op} ${logical ? 'bool' : 'int32'} ${shape} axis ${axis}`, inputs: [input(shape)],
      f: (x) => (logical ? tf[op](tf.greater(x, 0), axis) : tf[op](int(x), axis)) };
  };
  return Array.from({ length: count }, make);
}

const runIntCase = (c: IntOpFuzzCase) => outputsAndGradients(c.inputs, c.f, false);

/** Every case on `backend` against cpu (testing/differential.ts): outputs that differ at all, described. */
export function intOpFuzzMismatches(backend: string, cases: IntOpFuzzCase[]): Promise<string[]> {
  return differentialMismatches(backend, cases, runIntCase, 1e-6);
}
