import * as tf from '@tensorflow/tfjs-core';
import { differentialMismatches, outputsAndGradients, seededPicker, sizeOf } from './differential';
import { addRelu, batchNormRelu, batchNormTrain, groupNorm } from '../nn';
import { sigmoidFocalLoss } from '../losses/focal-loss';
import { binaryCrossEntropyLoss } from '../losses/cross-entropy-loss';
import { l1Loss, smoothL1Loss } from '../losses/smooth-l1-loss';
import { roiAlign } from '../ops/roi-align';
import { giouLoss, iouLoss } from '../losses/iou-loss';
import { bboxOverlaps } from '../ops/iou';

/**
 * Seeded random cases of det's fused ops — the ones a backend may run as kernels of its own
 * (webgpu: `Det*` kernels) while cpu runs them as tfjs ops — and its box ops: GroupNorm, training
 * BatchNorm (with running statistics), inference BatchNorm + ReLU, tf.batchNorm with frozen
 * statistics, relu(a + b), the sigmoid focal loss (labels and one-hot targets), sigmoid BCE from
 * labels, smooth L1 / L1, IoU / GIoU losses and bbox overlaps (identical, touching, disjoint and
 * zero-area boxes), RoIAlign. Each forward and the
 * gradient of Σ y·dy for every differentiable input, at shapes the fixed-shape specs do not
 * reach: channel and group counts of 1 and odd sizes, row counts off the workgroup sizes, empty
 * rows, weights, average factors and every reduction.
 */
export interface FusedFuzzCase {
  desc: string;
  /** Differentiable inputs; constants (labels, boxes, weights) are made inside `f`. */
  inputs: { shape: number[]; values: Float32Array }[];
  f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
}

export function fusedFuzzCases(count: number, seed = 2027): FusedFuzzCase[] {
  const { rnd, pick } = seededPicker(seed);
  const values = (n: number, scale = 4) => Float32Array.from({ length: n }, () => Math.round((rnd() * 2 - 1) * 1000) * scale / 1000);
  const size = sizeOf;
  const input = (shape: number[], v = values(size(shape))) => ({ shape, values: v });
  const reduction = () => pick(['mean', 'sum', 'none'] as const);
  const make = (): FusedFuzzCase => {
    const kind = pick(['groupNorm', 'batchNormTrain', 'batchNormRelu', 'batchNormFrozen', 'addRelu', 'focalLabels', 'focalTargets', 'bceLabels', 'smoothL1', 'iouLoss', 'bboxOverlaps', 'roiAlign'] as const);
    if (kind === 'groupNorm') {
      const [groups, perGroup] = [pick([1, 2, 3, 4, 8, 32]), pick([1, 2, 3, 8])];
      const c = groups * perGroup;
      const shape = [pick([1, 2]), pick([1, 3, 7, 16]), pick([1, 2, 5, 9]), c];
      const relu = rnd() < 0.5;
      return {
        desc: `groupNorm ${shape} groups ${groups}${relu ? ' relu' : ''}`,
        inputs: [input(shape), input([c], values(c, 2)), input([c])],
        f: (x, g, b) => groupNorm(x, g, b, groups, 1e-5, relu),
      };
    }
    if (kind === 'batchNormTrain') {
      const c = pick([1, 3, 4, 16, 33]);
      const shape = [pick([1, 2, 3]), pick([1, 2, 7]), pick([1, 4, 9]), c];
      const relu = rnd() < 0.5;
      const momentum = pick([0.1, 0.03]);
      return {
        desc: `batchNormTrain ${shape}${relu ? ' relu' : ''} momentum ${momentum}`,
        inputs: [input(shape), input([c], values(c, 2)), input([c])],
        f: (x, g, b) => {
          const running = { mean: tf.variable(tf.zeros([c]), false), variance: tf.variable(tf.ones([c]), false), momentum };
          const y = batchNormTrain(x, g, b, 1e-5, relu, running);
          // the running statistics as outputs too (constants: no gradient flows into them)
          const stats = [tf.clone(running.mean), tf.clone(running.variance)];
          running.mean.dispose();
          running.variance.dispose();
          return [y, ...stats];
        },
      };
    }
    if (kind === 'batchNormRelu') {
      const c = pick([1, 3, 8, 17]);
      const shape = [pick([1, 2]), pick([1, 3, 5]), pick([1, 2, 6]), c];
      const variance = Float32Array.from(values(c), (v) => Math.abs(v) + 0.1);
      return {
        desc: `batchNormRelu (inference) ${shape}`,
        inputs: [input(shape), input([c]), input([c], variance), input([c]), input([c], values(c, 2))],
        f: (x, m, v, b, g) => batchNormRelu(x, m, v, b, g, 1e-5),
      };
    }
    if (kind === 'batchNormFrozen') {
      // tf.batchNorm with every input differentiable: a frozen BatchNorm (ResNet's normEval) in
      // training, det's fused gradient kernel on webgpu
      const c = pick([1, 3, 8, 17]);
      const shape = [pick([1, 2]), pick([1, 3, 5]), pick([1, 2, 6]), c];
      const variance = Float32Array.from(values(c), (v) => Math.abs(v) + 0.1);
      return {
        desc: `batchNorm (frozen statistics) ${shape}`,
        inputs: [input(shape), input([c]), input([c], variance), input([c]), input([c], values(c, 2))],
        f: (x, m, v, b, g) => tf.batchNorm(x as tf.Tensor4D, m as tf.Tensor1D, v as tf.Tensor1D, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5),
      };
    }
    if (kind === 'addRelu') {
      const shape = Array.from({ length: pick([1, 2, 4]) }, () => pick([1, 2, 3, 5, 17]));
      return { desc: `addRelu ${shape}`, inputs: [input(shape), input(shape)], f: (a, b) => addRelu(a, b) };
    }
    const rows = pick([0, 1, 5, 63, 64, 65, 300]);
    if (kind === 'focalLabels' || kind === 'focalTargets' || kind === 'bceLabels') {
      const classes = pick([1, 2, 3, 80]);
      const labels = Int32Array.from({ length: rows }, () => Math.floor(rnd() * (classes + 1)));
      const [gamma, alpha] = [pick([0, 1, 2]), pick([0.25, -1])];
      const red = reduction();
      const weighted = rnd() < 0.5;
      const avgFactor = red === 'mean' && rnd() < 0.5 ? 1 + Math.floor(rnd() * 20) : undefined;
      const rowWeights = values(rows).map(Math.abs);
      const options = () => ({ reduction: red, avgFactor, weight: weighted ? tf.tensor1d(rowWeights) : undefined });
      const desc = `${kind} ${rows}×${classes} ${red}${weighted ? ' weighted' : ''}${avgFactor ? ` avgFactor ${avgFactor}` : ''}`;
      if (kind === 'bceLabels') {
        return { desc, inputs: [input([rows, classes])], f: (x) => binaryCrossEntropyLoss(x, tf.tensor1d(labels, 'int32'), options()) };
      }
      const target = () => (kind === 'focalLabels' ? tf.tensor1d(labels, 'int32')
        : tf.tensor2d(Float32Array.from({ length: rows * classes }, (_, i) => (labels[Math.floor(i / classes)] === i % classes ? 1 : 0)), [rows, classes]));
      return { desc: `${desc} γ ${gamma} α ${alpha}`, inputs: [input([rows, classes])], f: (x) => sigmoidFocalLoss(x, target(), { gamma, alpha, ...options() }) };
    }
    if (kind === 'iouLoss' || kind === 'bboxOverlaps') {
      // [x1, y1, x2, y2] boxes from corners and sizes on a coarse grid: identical, touching,
      // disjoint and zero-area pairs occur
      const boxes = (k: number) => Float32Array.from({ length: k * 4 }, (_, i) => {
        const corner = Math.round(rnd() * 8) * 2;
        return i % 4 < 2 ? corner : 0;
      }).map((v, i, a) => (i % 4 < 2 ? v : a[i - 2] + Math.round(rnd() * 6) * 2));
      if (kind === 'bboxOverlaps') {
        const [n, m] = [pick([1, 4, 9]), pick([1, 3, 7])];
        const mode = pick(['iou', 'iof', 'giou'] as const);
        const aligned = rnd() < 0.4;
        const [pa, pb] = [boxes(n), boxes(aligned ? n : m)];
        return { desc: `bboxOverlaps ${n}×${aligned ? n : m} ${mode}${aligned ? ' aligned' : ''}`, inputs: [input([n, 4], pa), input([aligned ? n : m, 4], pb)],
          f: (a, b) => bboxOverlaps(a as tf.Tensor2D, b as tf.Tensor2D, { mode, isAligned: aligned }) };
      }
      const n = pick([1, 5, 64]);
      const loss = pick(['giou', 'linear', 'square', 'log'] as const);
      const red = reduction();
      const target = boxes(n);
      return { desc: `${loss === 'giou' ? 'giouLoss' : `iouLoss ${loss}`} ${n} boxes ${red}`, inputs: [input([n, 4], boxes(n))],
        f: (p) => (loss === 'giou' ? giouLoss(p as tf.Tensor2D, tf.tensor2d(target, [n, 4]), { reduction: red })
          : iouLoss(p as tf.Tensor2D, tf.tensor2d(target, [n, 4]), { reduction: red, mode: loss })) };
    }
    if (kind === 'smoothL1') {
      const cols = pick([1, 4]);
      const beta = pick([1 / 9, 1, 0]); // 0: L1
      const red = reduction();
      const weight = rnd() < 0.5 ? values(rows * cols).map(Math.abs) : undefined;
      const avgFactor = red === 'mean' && rnd() < 0.5 ? 1 + Math.floor(rnd() * 20) : undefined;
      const target = values(rows * cols);
      return {
        desc: `${beta ? `smoothL1 β ${beta.toFixed(3)}` : 'l1'} ${rows}×${cols} ${red}${weight ? ' weighted' : ''}${avgFactor ? ` avgFactor ${avgFactor}` : ''}`,
        inputs: [input([rows, cols])],
        f: (x) => {
          const options = { reduction: red, avgFactor, weight: weight && tf.tensor2d(weight, [rows, cols]) };
          const t = tf.tensor2d(target, [rows, cols]);
          return beta ? smoothL1Loss(x, t, { ...options, beta }) : l1Loss(x, t, options);
        },
      };
    }
    const [n, h, w, c] = [pick([1, 2]), pick([4, 9, 16]), pick([5, 8, 13]), pick([1, 3, 8])];
    const scale = pick([1, 0.5, 0.25]);
    const k = pick([1, 3, 7]);
    // [b, x1, y1, x2, y2] in image pixels, reaching up to 5% past the borders
    const coord = (extent: number) => (rnd() * 1.1 - 0.05) * extent / scale;
    const rois = Float32Array.from({ length: k * 5 }, (_, i) => (i % 5 === 0 ? Math.floor(rnd() * n) : coord(i % 2 === 1 ? w : h)));
    const [outputSize, samplingRatio, aligned] = [pick([1, 2, 7]), pick([0, 2]), rnd() < 0.7];
    return {
      desc: `roiAlign ${[n, h, w, c]} ${k} rois, out ${outputSize}, scale ${scale}, sampling ${samplingRatio}${aligned ? ', aligned' : ''}`,
      inputs: [input([n, h, w, c])],
      f: (x) => roiAlign(x as tf.Tensor4D, tf.tensor2d(orderedBoxes(rois), [k, 5]), { outputSize, spatialScale: scale, samplingRatio, aligned }),
    };
  };
  return Array.from({ length: count }, make);
}

/** [b, x1, y1, x2, y2] rows with x1 ≤ x2 and y1 ≤ y2. */
function orderedBoxes(rois: Float32Array): Float32Array {
  const out = Float32Array.from(rois);
  for (let i = 0; i < out.length; i += 5) {
    [out[i + 1], out[i + 3]] = [Math.min(rois[i + 1], rois[i + 3]), Math.max(rois[i + 1], rois[i + 3])];
    [out[i + 2], out[i + 4]] = [Math.min(rois[i + 2], rois[i + 4]), Math.max(rois[i + 2], rois[i + 4])];
  }
  return out;
}

const runFusedCase = (c: FusedFuzzCase) => outputsAndGradients(c.inputs, c.f);

/** Every case on `backend` against cpu (testing/differential.ts): outputs beyond `tol`, described. */
export function fusedFuzzMismatches(backend: string, cases: FusedFuzzCase[], tol: number): Promise<string[]> {
  return differentialMismatches(backend, cases, runFusedCase, tol);
}
