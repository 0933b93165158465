import * as tf from '@tensorflow/tfjs-core';
import { LOSSES } from '@det/registry';
import { sigmoidFocalLoss, FocalLoss } from './focal-loss';
import { smoothL1Loss, l1Loss, SmoothL1Loss, L1Loss } from './smooth-l1-loss';
import { giouLoss, GIoULoss } from './iou-loss';
import { FLOAT32_EPS, Reduction } from './reduce';
import { expectClose, flat, loadVectors, VectorCase } from '../testing/vectors';
import { useBackend } from '../testing/tf-backend';

beforeAll(async () => {
  await useBackend('cpu');
});

const REDUCTIONS: Reduction[] = ['none', 'sum', 'mean'];

/**
 * Tolerance: 1e-5 relative plus an absolute floor. Inputs are rounded to float32 (|x| ≲ 5,
 * ≈3e-7 each) and the losses have slope ≤ 1 in them, so an element is off by ≲ 1e-6
 * absolute; a sum of n elements by n times that.
 */
function tolFor(reduction: Reduction, n: number, perElement = 1e-6) {
  return { rtol: 1e-5, atol: reduction === 'sum' ? perElement * n : perElement };
}

function each(file: string) {
  const v = loadVectors(file);
  return { v, rows: v.cases.map((c, i) => [i, c] as [number, VectorCase]) };
}

describe('sigmoidFocalLoss against ops_sigmoid_focal_loss.json', () => {
  const { v, rows } = each('ops_sigmoid_focal_loss.json');
  it.each(rows)('case %i', (i, c) => {
    const inp = c.inputs as { logits: number[][]; labels: number[]; targets: number[][]; alpha: number; gamma: number };
    const logits = tf.tensor2d(inp.logits);
    const n = inp.logits.length * inp.logits[0].length;
    for (const reduction of REDUCTIONS) {
      const expected = flat(c.expected[reduction]);
      // Both target forms: one-hot [N,C] and class labels [N] with C = background.
      for (const [form, target] of [['targets', tf.tensor2d(inp.targets)], ['labels', tf.tensor1d(inp.labels, 'int32')]] as const) {
        const out = sigmoidFocalLoss(logits, target, { alpha: inp.alpha, gamma: inp.gamma, reduction });
        expectClose(out.dataSync(), expected, `${v.file} case ${i} ${reduction} (${form})`, tolFor(reduction, n));
        tf.dispose([out, target]);
      }
    }
    // MMDetection's FocalLoss: sum / (number of positives + eps), times lossWeight.
    const numPos = inp.labels.filter((l) => l < inp.logits[0].length).length;
    const module = LOSSES.build<FocalLoss>({ type: 'FocalLoss', gamma: inp.gamma, alpha: inp.alpha, lossWeight: 2 });
    const labels = tf.tensor1d(inp.labels, 'int32');
    const out = module.forward(logits, labels, { avgFactor: numPos });
    const expectedAvg = (2 * (c.expected.sum as number)) / (numPos + FLOAT32_EPS);
    expectClose(out.dataSync(), [expectedAvg], `${v.file} case ${i} FocalLoss avgFactor`, { rtol: 1e-5, atol: 1e-6 * n });
    tf.dispose([logits, labels, out]);
  });
});

describe('smoothL1Loss against ops_smooth_l1_loss.json', () => {
  const { v, rows } = each('ops_smooth_l1_loss.json');
  it.each(rows)('case %i', (i, c) => {
    const inp = c.inputs as { pred: number[][]; target: number[][]; beta: number };
    const pred = tf.tensor2d(inp.pred);
    const target = tf.tensor2d(inp.target);
    for (const reduction of REDUCTIONS) {
      const out = smoothL1Loss(pred, target, { beta: inp.beta, reduction });
      expectClose(out.dataSync(), flat(c.expected[reduction]), `${v.file} case ${i} ${reduction}`, tolFor(reduction, pred.size));
      const viaModule = LOSSES.build<SmoothL1Loss>({ type: 'SmoothL1Loss', beta: inp.beta, reduction }).forward(pred, target);
      expectClose(viaModule.dataSync(), flat(c.expected[reduction]), `${v.file} case ${i} SmoothL1Loss ${reduction}`, tolFor(reduction, pred.size));
      tf.dispose([out, viaModule]);
    }
    tf.dispose([pred, target]);
  });
});

describe('l1Loss against ops_l1_loss.json', () => {
  const { v, rows } = each('ops_l1_loss.json');
  it.each(rows)('case %i', (i, c) => {
    const inp = c.inputs as { pred: number[][]; target: number[][] };
    const pred = tf.tensor2d(inp.pred);
    const target = tf.tensor2d(inp.target);
    for (const reduction of REDUCTIONS) {
      const out = l1Loss(pred, target, { reduction });
      expectClose(out.dataSync(), flat(c.expected[reduction]), `${v.file} case ${i} ${reduction}`, tolFor(reduction, pred.size));
      const viaModule = LOSSES.build<L1Loss>({ type: 'L1Loss', reduction, lossWeight: 0.5 }).forward(pred, target);
      expectClose(viaModule.dataSync(), flat(c.expected[reduction]).map((x) => x * 0.5), `${v.file} case ${i} L1Loss ${reduction}`, tolFor(reduction, pred.size));
      tf.dispose([out, viaModule]);
    }
    tf.dispose([pred, target]);
  });
});

describe('giouLoss against ops_giou_loss.json', () => {
  const { v, rows } = each('ops_giou_loss.json');
  it.each(rows)('case %i', (i, c) => {
    const inp = c.inputs as { pred: number[][]; target: number[][] };
    const pred = tf.tensor2d(inp.pred);
    const target = tf.tensor2d(inp.target);
    const keys = Object.keys(c.expected);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const m = /^eps=([0-9.e-]+)\|(none|sum|mean)$/.exec(key);
      if (!m) throw new Error(`${v.file} case ${i}: unknown expected key '${key}'`);
      const eps = Number(m[1]);
      const reduction = m[2] as Reduction;
      // MMDetection clamps union and enclosing area by eps where torchvision adds eps; equal to
      // ~1e-9 relative for these non-degenerate boxes. Coordinates ≲ 100 rounded to float32 put
      // ≈1e-6 absolute error on 1 - GIoU.
      const out = giouLoss(pred, target, { eps, reduction });
      expectClose(out.dataSync(), flat(c.expected[key]), `${v.file} case ${i} ${key}`, tolFor(reduction, inp.pred.length, 2e-6));
      tf.dispose(out);
    }
    const module = LOSSES.build<GIoULoss>({ type: 'GIoULoss', eps: 0, reduction: 'sum' });
    const out = module.forward(pred, target);
    expectClose(out.dataSync(), [c.expected['eps=0|sum'] as number], `${v.file} case ${i} GIoULoss`, tolFor('sum', inp.pred.length, 2e-6));
    tf.dispose([pred, target, out]);
  });
});
