import * as tf from '@tensorflow/tfjs-core';
import { differentialMismatches, outputsAndGradients, seededPicker, sizeOf } from './differential';
import { atrousConv2d } from '../nn/atrous-conv';

/**
 * Seeded random cases of the shape, softmax and elementwise-math ops det's layers, losses, box
 * coders and pipelines compose (and plugins are likely to): concat, stack, slice, strided
 * slice, pad, tile, reverse, softmax / logSoftmax over the last axis, clipByValue (box
 * clamping), pow / sqrt / rsqrt / log / exp / reciprocal, cumsum, bilinear resize, depthwise and
 * separable convolutions, gathers with repeated indices, activations (leakyRelu, elu, selu, relu6,
 * prelu, erf, sin, cos, atan, logSigmoid, sigmoid; at 0 and at relu6's 6 too), image ops
 * (cropAndResize, flipLeftRight, rgbToGrayscale; forward only), det's atrous (dilated) conv —
 * each forward
 * and the gradient of Σ y·dy for every input, for differential specs against the cpu backend. It
 * found tfjs-backend-cpu's bilinear-resize gradient swapping height and width and ignoring
 * halfPixelCenters (kernels/resize-bilinear-grad.ts) and more (docs/backends.md).
 */
export interface ShapeOpFuzzCase {
  desc: string;
  inputs: { shape: number[]; values: Float32Array }[];
  f: (...xs: tf.Tensor[]) => tf.Tensor;
  /** false: forward only (ops tfjs has no gradient for) */
  grad?: boolean;
}

export function shapeOpFuzzCases(count: number, seed = 2029): ShapeOpFuzzCase[] {
  const { rnd, pick } = seededPicker(seed);
  const size = sizeOf;
  const values = (n: number, lo = -4, hi = 4) => Float32Array.from({ length: n }, () => lo + Math.round(rnd() * 1000) * (hi - lo) / 1000);
  const input = (shape: number[], v = values(size(shape))) => ({ shape, values: v });
  const randomShape = (rank: number) => Array.from({ length: rank }, () => pick([1, 2, 3, 5, 8]));
  const make = (): ShapeOpFuzzCase => {
    const kind = pick(['concat', 'stack', 'slice', 'stridedSlice', 'pad', 'tile', 'reverse', 'softmax', 'clip', 'math', 'cumsum', 'resizeBilinear', 'depthwise', 'gather', 'activation', 'image', 'atrous'] as const);
    if (kind === 'concat' || kind === 'stack') {
      const shape = randomShape(pick([1, 2, 3, 4]));
      const axis = Math.floor(rnd() * (shape.length + (kind === 'stack' ? 1 : 0)));
      const n = pick([2, 3, 5]);
      const shapes = Array.from({ length: n }, () => (kind === 'concat' ? shape.map((d, i) => (i === axis ? pick([1, 2, 4]) : d)) : shape));
      return { desc: `${kind} ${n} × [${shapes[0]}] axis ${axis}`, inputs: shapes.map((sh) => input(sh)), f: (...xs) => tf[kind](xs, axis) };
    }
    if (kind === 'slice' || kind === 'stridedSlice') {
      const shape = randomShape(pick([1, 2, 3, 4]));
      const begin = shape.map((d) => Math.floor(rnd() * d));
      if (kind === 'slice') {
        const sz = shape.map((d, i) => (rnd() < 0.3 ? -1 : 1 + Math.floor(rnd() * (d - begin[i]))));
        return { desc: `slice [${shape}] begin ${begin} size ${sz}`, inputs: [input(shape)], f: (x) => tf.slice(x, begin, sz) };
      }
      // per dimension forwards or backwards (a negative stride walks down from begin)
      const strides = shape.map(() => pick([1, 2, 3, -1, -2]));
      const end = shape.map((d, i) => (strides[i] > 0 ? begin[i] + 1 + Math.floor(rnd() * (d - begin[i])) : begin[i] - 1 - Math.floor(rnd() * (begin[i] + 1))));
      return { desc: `stridedSlice [${shape}] ${begin}:${end}:${strides}`, inputs: [input(shape)], f: (x) => tf.stridedSlice(x, begin, end, strides) };
    }
    if (kind === 'pad') {
      const shape = randomShape(pick([1, 2, 3, 4]));
      const pads = shape.map(() => [pick([0, 1, 2]), pick([0, 1, 3])] as [number, number]);
      const value = pick([0, -1.5]);
      return { desc: `pad [${shape}] ${JSON.stringify(pads)} value ${value}`, inputs: [input(shape)], f: (x) => tf.pad(x, pads, value) };
    }
    if (kind === 'tile') {
      const shape = randomShape(pick([1, 2, 3, 4]));
      const reps = shape.map(() => pick([1, 2, 3]));
      return { desc: `tile [${shape}] × ${reps}`, inputs: [input(shape)], f: (x) => tf.tile(x, reps) };
    }
    if (kind === 'reverse') {
      const shape = randomShape(pick([1, 2, 3, 4]));
      const axes = shape.map((_, i) => i).filter(() => rnd() < 0.5);
      return { desc: `reverse [${shape}] axes ${axes}`, inputs: [input(shape)], f: (x) => tf.reverse(x, axes) };
    }
    if (kind === 'softmax') {
      const shape = [pick([1, 3, 17]), pick([1, 2, 5, 81])];
      const op = pick(['softmax', 'logSoftmax'] as const);
      return { desc: `${op} [${shape}]`, inputs: [input(shape, values(size(shape), -8, 8))], f: (x) => tf[op](x) };
    }
    if (kind === 'clip') {
      const shape = randomShape(pick([1, 2]));
      const [lo, hi] = [pick([-1, 0, -4.135]), pick([0.5, 1, 4.135])]; // 4.135 ≈ log(1000/16): the coders' clamp
      return { desc: `clipByValue [${shape}] ${lo}..${hi}`, inputs: [input(shape)], f: (x) => tf.clipByValue(x, lo, hi) };
    }
    if (kind === 'math') {
      const shape = randomShape(pick([1, 2]));
      const op = pick(['sqrt', 'rsqrt', 'log', 'exp', 'reciprocal', 'pow', 'square'] as const);
      const positive = values(size(shape), 0.05, 6);
      if (op === 'pow') {
        const e = pick([0.5, 2, 3, -1]);
        return { desc: `pow [${shape}] ^ ${e}`, inputs: [input(shape, positive)], f: (x) => tf.pow(x, e) };
      }
      const v = op === 'exp' || op === 'square' ? values(size(shape)) : positive;
      return { desc: `${op} [${shape}]`, inputs: [input(shape, v)], f: (x) => tf[op](x) };
    }
    if (kind === 'cumsum') {
      const shape = randomShape(pick([1, 2, 3]));
      const axis = Math.floor(rnd() * shape.length);
      const [exclusive, reverse] = [rnd() < 0.3, rnd() < 0.3];
      return { desc: `cumsum [${shape}] axis ${axis}${exclusive ? ' exclusive' : ''}${reverse ? ' reverse' : ''}`, inputs: [input(shape)], f: (x) => tf.cumsum(x, axis, exclusive, reverse) };
    }
    if (kind === 'atrous') {
      // det's trainable dilated conv (nn/atrous-conv.ts)
      const [n, h, w, c, k, d] = [pick([1, 2]), pick([5, 9, 12]), pick([6, 7, 11]), pick([1, 3]), pick([1, 3]), pick([2, 3])];
      const pad = pick([0, 1, d]);
      return { desc: `atrousConv2d [${n},${h},${w},${c}] k${k} dilation ${d} pad ${pad}`, inputs: [input([n, h, w, c]), input([k, k, c, 2])],
        f: (x, f) => atrousConv2d(x as tf.Tensor4D, f as tf.Tensor4D, d, pad) };
    }
    if (kind === 'image') {
      // tf.image ops a plugin's pipeline or head may use on the device; forward only
      const [n, h, w, c] = [pick([1, 2]), pick([3, 8, 13]), pick([4, 9]), pick([1, 3])];
      const op = pick(['cropAndResize', 'flipLeftRight', 'rgbToGrayscale'] as const);
      if (op === 'rgbToGrayscale') {
        return { desc: `rgbToGrayscale [${n},${h},${w},3]`, inputs: [input([n, h, w, 3], values(n * h * w * 3, 0, 255))], f: (x) => tf.image.rgbToGrayscale(x as tf.Tensor4D), grad: false };
      }
      if (op === 'flipLeftRight') {
        return { desc: `flipLeftRight [${n},${h},${w},${c}]`, inputs: [input([n, h, w, c])], f: (x) => tf.image.flipLeftRight(x as tf.Tensor4D), grad: false };
      }
      const k = pick([1, 3, 5]);
      // normalised [y1, x1, y2, x2], some past the borders and some flipped (y1 > y2)
      const boxes = Array.from({ length: k * 4 }, () => Math.round((rnd() * 1.2 - 0.1) * 100) / 100);
      const boxInd = Array.from({ length: k }, () => Math.floor(rnd() * n));
      const [crop, method] = [[pick([1, 3, 7]), pick([2, 5])] as [number, number], pick(['bilinear', 'nearest'] as const)];
      return { desc: `cropAndResize [${n},${h},${w},${c}] ${k} boxes → ${crop} ${method}`, inputs: [input([n, h, w, c])],
        f: (x) => tf.image.cropAndResize(x as tf.Tensor4D, tf.tensor2d(boxes, [k, 4]), tf.tensor1d(boxInd, 'int32'), crop, method, 0.5), grad: false };
    }
    if (kind === 'activation') {
      // values on a grid of 0.25 from −6 to 6: zeros and relu6's 6 occur
      const shape = randomShape(pick([1, 2, 3]));
      const op = pick(['leakyRelu', 'elu', 'selu', 'relu6', 'prelu', 'erf', 'sin', 'cos', 'atan', 'logSigmoid', 'sigmoid'] as const);
      const v = Float32Array.from({ length: size(shape) }, () => Math.round((rnd() * 2 - 1) * 24) / 4);
      if (op === 'prelu') {
        const c = shape[shape.length - 1];
        return { desc: `prelu [${shape}] per-channel α`, inputs: [input(shape, v), input([c], values(c, 0, 0.5))], f: (x, a) => tf.prelu(x, a) };
      }
      if (op === 'leakyRelu') return { desc: `leakyRelu [${shape}] α 0.1`, inputs: [input(shape, v)], f: (x) => tf.leakyRelu(x, 0.1) };
      return { desc: `${op} [${shape}]`, inputs: [input(shape, v)], f: (x) => tf[op](x) };
    }
    if (kind === 'gather') {
      // indices repeat: the gradient adds them up (UnsortedSegmentSum)
      const shape = randomShape(pick([1, 2, 3]));
      const axis = Math.floor(rnd() * shape.length);
      const idx = Array.from({ length: pick([1, 4, 9]) }, () => Math.floor(rnd() * shape[axis]));
      return { desc: `gather [${shape}] axis ${axis} indices ${idx}`, inputs: [input(shape)], f: (x) => tf.gather(x, tf.tensor1d(idx, 'int32'), axis) };
    }
    if (kind === 'depthwise') {
      // depthwise (and separable) convolutions: MobileNet-style backbones a plugin may bring
      const [n, h, w, c, k, mult] = [pick([1, 2]), pick([3, 5, 8]), pick([3, 6, 7]), pick([1, 3, 4]), pick([1, 3]), pick([1, 2])];
      const [stride, pad] = [pick([1, 2]), pick(['same', 'valid'] as const)];
      if (rnd() < 0.5) {
        return { desc: `depthwiseConv2d [${n},${h},${w},${c}] k${k}×${mult} stride ${stride} ${pad}`, inputs: [input([n, h, w, c]), input([k, k, c, mult])],
          f: (x, f) => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, pad) };
      }
      const out = pick([1, 5]);
      return { desc: `separableConv2d [${n},${h},${w},${c}] k${k}×${mult} → ${out} stride ${stride} ${pad}`, inputs: [input([n, h, w, c]), input([k, k, c, mult]), input([1, 1, c * mult, out])],
        f: (x, d, p) => tf.separableConv2d(x as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, stride, pad) };
    }
    const shape = [pick([1, 2]), pick([1, 3, 4, 7]), pick([1, 2, 6]), pick([1, 3])];
    const out: [number, number] = [pick([1, 2, 5, 8, 13]), pick([1, 3, 4, 12])];
    const align = rnd() < 0.3;
    const half = !align && rnd() < 0.5;
    return { desc: `resizeBilinear [${shape}] → ${out}${align ? ' alignCorners' : ''}${half ? ' halfPixelCenters' : ''}`, inputs: [input(shape)],
      f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, out, align, half) };
  };
  return Array.from({ length: count }, make);
}

const runShapeCase = (c: ShapeOpFuzzCase) => outputsAndGradients(c.inputs, c.f, c.grad ?? true);

/** Every case on `backend` against cpu (testing/differential.ts): outputs beyond `tol`, described. */
export function shapeOpFuzzMismatches(backend: string, cases: ShapeOpFuzzCase[], tol: number): Promise<string[]> {
  return differentialMismatches(backend, cases, runShapeCase, tol);
}
