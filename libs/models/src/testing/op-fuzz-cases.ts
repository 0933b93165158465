import * as tf from '@tensorflow/tfjs-core';
import { differentialMismatches, outputsAndGradients, seededPicker, sizeOf } from './differential';

/**
 * Seeded random cases of the ops det's backends replace or patch, for differential specs against
 * the cpu backend: max / average pooling, batched matMul with transposes
 * (empty operands included), sum / mean / max / min over random axes (empty tensors included),
 * broadcasting binary ops up to rank 5, transposes, nearest-neighbour resizes, unary ops — each
 * forward and, where differentiable, the gradient of Σ y·dy. It found the resize gradient of
 * tfjs-backend-cpu (batch > 1), wasm and webgpu, wasm's max-pool gradient with 'same' padding,
 * empty matMuls on wasm and webgpu, and tfjs's SquaredDifference, BatchMatMul, Maximum and
 * Minimum gradients failing on broadcast inputs (backend/gradient-fixes.ts) (2026-11-26).
 */
export interface OpFuzzCase {
  desc: string;
  inputs: { shape: number[]; values: Float32Array }[];
  f: (...xs: tf.Tensor[]) => tf.Tensor;
  grad: boolean;
}

export interface OpFuzzOptions {
  /** Leave out broadcasting binary ops of rank 5 (tfjs-backend-webgpu cannot compile some). */
  maxBinaryRank?: number;
}

export function opFuzzCases(count: number, seed = 2026, options: OpFuzzOptions = {}): OpFuzzCase[] {
  const { rnd, pick } = seededPicker(seed);
  const values = (n: number) => Float32Array.from({ length: n }, () => Math.round((rnd() * 2 - 1) * 1000) / 250);
  const size = sizeOf;
  const input = (shape: number[], v = values(size(shape))) => ({ shape, values: v });
  const make = (): OpFuzzCase | null => {
    const kind = pick(['pool', 'matmul', 'reduce', 'binary', 'transpose', 'resize', 'unary'] as const);
    if (kind === 'pool') {
      const shape = [pick([1, 2]), pick([1, 2, 5, 8, 9]), pick([1, 3, 4, 7]), pick([1, 3, 8])];
      const [k, stride, pad, op] = [pick([1, 2, 3]), pick([1, 2, 3]), pick(['same', 'valid'] as const), pick(['maxPool', 'avgPool'] as const)];
      if (pad === 'valid' && (shape[1] < k || shape[2] < k)) return null;
      return { desc: `${op} ${shape} k${k} s${stride} ${pad}`, inputs: [input(shape)], f: (x) => tf[op](x as tf.Tensor4D, k, stride, pad), grad: true };
    }
    if (kind === 'matmul') {
      const [batch, m, k, n] = [pick([[], [1], [2], [3]]), pick([0, 1, 3, 17, 64]), pick([1, 5, 33]), pick([1, 4, 31])];
      const [ta, tb] = [rnd() < 0.5, rnd() < 0.5];
      // b's batch broadcast against a's now and then: [] or [1] (det's BatchMatMul gradient reduces it)
      const bBatch = batch.length > 0 && rnd() < 0.3 ? pick([[], [1]]) : batch;
      const a = [...batch, ...(ta ? [k, m] : [m, k])];
      const b = [...bBatch, ...(tb ? [n, k] : [k, n])];
      return { desc: `matMul ${a} × ${b}, transposes ${ta}/${tb}`, inputs: [input(a), input(b)], f: (x, y) => tf.matMul(x, y, ta, tb), grad: true };
    }
    if (kind === 'reduce') {
      const shape = Array.from({ length: pick([1, 2, 3, 4]) }, () => pick([0, 1, 2, 3, 5, 9]));
      const axes = shape.map((_, i) => i).filter(() => rnd() < 0.5);
      const [op, keep] = [pick(['sum', 'mean', 'max', 'min'] as const), rnd() < 0.3];
      if ((op === 'max' || op === 'min') && size(shape) === 0) return null;
      return { desc: `${op} ${shape} axes [${axes}]${keep ? ' keepDims' : ''}`, inputs: [input(shape)], f: (x) => tf[op](x, axes.length ? axes : undefined, keep), grad: op === 'sum' || op === 'mean' };
    }
    if (kind === 'binary') {
      const rank = pick([1, 2, 3, 4, 5].filter((r) => r <= (options.maxBinaryRank ?? 5)));
      const full = Array.from({ length: rank }, () => pick([1, 2, 3, 4, 7]));
      const a = full.map((d) => (rnd() < 0.3 ? 1 : d));
      const b = full.map((d) => (rnd() < 0.3 ? 1 : d)).slice(Math.floor(rnd() * rank));
      const op = pick(['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'squaredDifference'] as const);
      const bv = values(size(b)).map((v) => (op === 'div' && Math.abs(v) < 0.5 ? 1 : v));
      return { desc: `${op} [${a}], [${b}]`, inputs: [input(a), input(b, bv)], f: (x, y) => tf[op](x, y), grad: true };
    }
    if (kind === 'transpose') {
      const shape = Array.from({ length: pick([2, 3, 4, 5]) }, () => pick([1, 2, 3, 5]));
      const perm = shape.map((_, i) => i).sort(() => rnd() - 0.5);
      return { desc: `transpose ${shape} perm ${perm}`, inputs: [input(shape)], f: (x) => tf.transpose(x, perm), grad: true };
    }
    if (kind === 'resize') {
      const shape = [pick([1, 2]), pick([1, 3, 4, 5]), pick([1, 2, 6]), pick([1, 3])];
      const out: [number, number] = [pick([1, 2, 6, 8, 10]), pick([1, 3, 4, 12])];
      const align = rnd() < 0.3;
      const half = !align && rnd() < 0.5;
      return { desc: `resizeNearestNeighbor ${shape} → ${out}${align ? ' alignCorners' : ''}${half ? ' halfPixelCenters' : ''}`, inputs: [input(shape)],
        f: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, out, align, half), grad: true };
    }
    const shape = [pick([1, 3, 17]), pick([1, 4, 9])];
    const op = pick(['relu', 'sigmoid', 'exp', 'neg', 'square', 'abs', 'tanh', 'softplus', 'log1p'] as const);
    return { desc: `${op} ${shape}`, inputs: [input(shape, values(size(shape)).map((v) => (op === 'log1p' ? Math.abs(v) : v)))], f: (x) => tf[op](x), grad: true };
  };
  const out: OpFuzzCase[] = [];
  while (out.length < count) {
    const c = make();
    if (c) out.push(c);
  }
  return out;
}

const runOpCase = (c: OpFuzzCase) => outputsAndGradients(c.inputs, c.f, c.grad);

/** Every case on `backend` against cpu (testing/differential.ts): outputs beyond `tol`, described. */
export function opFuzzMismatches(backend: string, cases: OpFuzzCase[], tol: number): Promise<string[]> {
  return differentialMismatches(backend, cases, runOpCase, tol);
}
