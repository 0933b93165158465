// The ops run on the wasm backend too (only kernels that backend has: gather, scatterND, …).
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './tf-backend';
import { expectClose, flat, loadVectors } from './vectors';
import { boxIou, generalizedBoxIou } from '../ops/iou';
import { nms } from '../ops/nms';
import { roiAlign } from '../ops/roi-align';
import { sigmoidFocalLoss } from '../losses/focal-loss';
import { smoothL1Loss } from '../losses/smooth-l1-loss';
import { giouLoss } from '../losses/iou-loss';
import { crossEntropyLoss } from '../losses/cross-entropy-loss';
import { DeltaXYWHBBoxCoder } from '../bbox/coders/delta-xywh-bbox-coder';
import { AnchorGenerator } from '../anchors/anchor-generator';
import { MaxIoUAssigner } from '../bbox/assigners/max-iou-assigner';

beforeAll(async () => {
  await useBackend('wasm');
});

const TOL = { rtol: 1e-5, atol: 2e-6 };

describe('ops on the wasm backend', () => {
  it('runs on wasm', () => {
    expect(tf.getBackend()).toBe('wasm');
  });

  it('boxIou / generalizedBoxIou / nms match the vectors', () => {
    for (const c of loadVectors('ops_box_iou.json').cases) {
      const a = tf.tensor2d(c.inputs.boxes1 as number[][]);
      const b = tf.tensor2d(c.inputs.boxes2 as number[][]);
      expectClose(boxIou(a, b).dataSync(), flat(c.expected.box_iou), 'wasm box_iou', TOL);
      expectClose(generalizedBoxIou(a, b).dataSync(), flat(c.expected.generalized_box_iou), 'wasm giou', TOL);
    }
    const c = loadVectors('ops_nms.json').cases[0];
    const thr = (c.inputs.iou_thresholds as number[])[1];
    const keep = nms(tf.tensor2d(c.inputs.boxes as number[][]), tf.tensor1d(c.inputs.scores as number[]), thr);
    expect(Array.from(keep)).toEqual((c.expected.keep_stable_ties as Record<string, number[]>)[String(thr)]);
  });

  it('roiAlign forward matches the vectors and its gradient matches the cpu backend', async () => {
    const v = loadVectors('ops_roi_align.json');
    for (const [i, c] of v.cases.entries()) {
      const inp = c.inputs as { input: unknown; input_shape: number[]; rois: number[][]; output_size: [number, number]; spatial_scale: number; sampling_ratio: number; aligned: boolean };
      const [n, ch, h, w] = inp.input_shape;
      const feats = tf.transpose(tf.tensor4d(Float32Array.from(flat(inp.input)), [n, ch, h, w]), [0, 2, 3, 1]) as tf.Tensor4D;
      for (const impl of ['auto', 'gather'] as const) {
        const out = roiAlign(feats, tf.tensor2d(inp.rois), { outputSize: inp.output_size, spatialScale: inp.spatial_scale, samplingRatio: inp.sampling_ratio, aligned: inp.aligned, impl });
        expectClose(tf.transpose(out, [0, 3, 1, 2]).dataSync(), flat(c.expected.output), `wasm roi_align case ${i} (${impl})`, TOL);
      }
    }
    // Inputs are made on the backend in use: a tensor moved between backends inside a custom
    // op trips tfjs's kernel leak check (the move is counted in the inner scope).
    const grad = (impl: 'auto' | 'gather') => {
      const feats = tf.tensor4d(Float32Array.from({ length: 2 * 6 * 7 * 3 }, (_, i) => Math.sin(i)), [2, 6, 7, 3]);
      const rois = tf.tensor2d([[0, 0.5, 1, 5, 5.5], [1, -1, 2, 4, 8], [1, 2, 2, 2.4, 2.3]]);
      return tf.grad((f: tf.Tensor) => tf.sum(tf.mul(roiAlign(f as tf.Tensor4D, rois, { outputSize: 2, impl }), tf.reshape(tf.range(0, 12), [1, 2, 2, 3]))))(feats);
    };
    const onWasm = grad('auto').dataSync();
    const onWasmGather = grad('gather').dataSync();
    await useBackend('cpu');
    const onCpu = grad('auto').dataSync();
    await useBackend('wasm');
    expect(onWasm.some((x) => x !== 0)).toBe(true);
    expectClose(onWasm, onCpu, 'roiAlign gradient wasm vs cpu', TOL);
    expectClose(onWasmGather, onCpu, 'roiAlign gradient wasm (gather/scatterND) vs cpu', TOL);
  });

  it('losses match the vectors', () => {
    for (const c of loadVectors('ops_sigmoid_focal_loss.json').cases) {
      const out = sigmoidFocalLoss(tf.tensor2d(c.inputs.logits as number[][]), tf.tensor1d(c.inputs.labels as number[], 'int32'), { reduction: 'none' });
      expectClose(out.dataSync(), flat(c.expected.none), 'wasm focal', TOL);
    }
    for (const c of loadVectors('ops_smooth_l1_loss.json').cases) {
      const out = smoothL1Loss(tf.tensor2d(c.inputs.pred as number[][]), tf.tensor2d(c.inputs.target as number[][]), { beta: c.inputs.beta as number, reduction: 'none' });
      expectClose(out.dataSync(), flat(c.expected.none), 'wasm smooth l1', TOL);
    }
    for (const c of loadVectors('ops_giou_loss.json').cases) {
      const out = giouLoss(tf.tensor2d(c.inputs.pred as number[][]), tf.tensor2d(c.inputs.target as number[][]), { eps: 0, reduction: 'none' });
      expectClose(out.dataSync(), flat(c.expected['eps=0|none']), 'wasm giou loss', TOL);
    }
    const ce = crossEntropyLoss(tf.tensor2d([[1, 2, 3]]), tf.tensor1d([2], 'int32'));
    expectClose(ce.dataSync(), [Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3], 'wasm ce', TOL);
  });

  it('coder, anchors and assigner run', () => {
    const v = loadVectors('ops_bbox_coder.json');
    const coder = new DeltaXYWHBBoxCoder({ targetStds: [0.1, 0.1, 0.2, 0.2] });
    const c = v.cases.find((x) => x.op === 'encode')!;
    expectClose(coder.encode(tf.tensor2d(c.inputs.proposals as number[][]), tf.tensor2d(c.inputs.gt as number[][])).dataSync(), flat(c.expected.deltas), 'wasm encode', { rtol: 1e-5, atol: 2e-5 });
    const [p] = new AnchorGenerator({ strides: [8], ratios: [1], scales: [4] }).gridPriors([[1, 2]]);
    expectClose(p.dataSync(), [-16, -16, 16, 16, -8, -16, 24, 16], 'wasm anchors');
    const r = new MaxIoUAssigner({ posIouThr: 0.5, negIouThr: 0.4 }).assign(tf.tensor2d([[0, 0, 10, 10], [50, 50, 60, 60]]), tf.tensor2d([[0, 0, 10, 9]]));
    expect(Array.from(r.gtInds)).toEqual([1, 0]);
  });
});
