// Tiny detectors and a synthetic batch for specs (cpu backend: conv gradients are slow there).
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@det/registry';
import { DetBatch, ImgMeta } from '../types';

export const tinyBackbone = { type: 'TinyNet', stemChannels: 8, stageChannels: [8, 16], blocksPerStage: 0, outIndices: [0, 1] };
export const tinyNeck = { type: 'FPN', inChannels: [8, 16], outChannels: 8, numOuts: 2 };

export function tinyRetinaCfg(numClasses = 2): Record<string, unknown> {
  return {
    type: 'RetinaNet',
    backbone: tinyBackbone,
    neck: tinyNeck,
    bboxHead: {
      type: 'RetinaHead', numClasses, inChannels: 8, featChannels: 8, stackedConvs: 1,
      anchorGenerator: { type: 'AnchorGenerator', octaveBaseScale: 4, scalesPerOctave: 1, ratios: [1], strides: [4, 8] },
      bboxCoder: { type: 'DeltaXYWHBBoxCoder', targetMeans: [0, 0, 0, 0], targetStds: [1, 1, 1, 1] },
      lossCls: { type: 'FocalLoss', useSigmoid: true, gamma: 2, alpha: 0.25, lossWeight: 1 },
      lossBbox: { type: 'L1Loss', lossWeight: 1 },
    },
    trainCfg: { assigner: { type: 'MaxIoUAssigner', posIouThr: 0.5, negIouThr: 0.4, minPosIou: 0, ignoreIofThr: -1 }, allowedBorder: -1, posWeight: -1 },
    testCfg: { nmsPre: 100, minBboxSize: 0, scoreThr: 0.05, nms: { type: 'nms', iouThreshold: 0.5 }, maxPerImg: 20 },
    rng: new Rng(0),
  };
}

export function tinyFcosCfg(numClasses = 2): Record<string, unknown> {
  return {
    type: 'FCOS',
    backbone: tinyBackbone,
    neck: tinyNeck,
    bboxHead: {
      type: 'FCOSHead', numClasses, inChannels: 8, featChannels: 8, stackedConvs: 1, strides: [4, 8],
      regressRanges: [[-1, 16], [16, 1e8]], normCfg: { type: 'GN', numGroups: 2 }, normOnBbox: true, centerSampling: true, centernessOnReg: true,
      lossCls: { type: 'FocalLoss', useSigmoid: true, gamma: 2, alpha: 0.25, lossWeight: 1 },
      lossBbox: { type: 'GIoULoss', lossWeight: 1 },
      lossCenterness: { type: 'CrossEntropyLoss', useSigmoid: true, lossWeight: 1 },
    },
    testCfg: { nmsPre: 100, minBboxSize: 0, scoreThr: 0.05, nms: { type: 'nms', iouThreshold: 0.5 }, maxPerImg: 20 },
    rng: new Rng(0),
  };
}

export function meta(h: number, w: number, extra: Partial<ImgMeta> = {}): ImgMeta {
  return { filename: 'synthetic.png', oriShape: [h, w, 3], imgShape: [h, w, 3], padShape: [h, w, 3], scaleFactor: [1, 1, 1, 1], flip: false, ...extra };
}

/** Images with bright boxes on a dark noisy background, and those boxes as gts. */
export function syntheticBatch(size = 64, boxes: number[][][] = [[[8, 8, 32, 32]], [[30, 20, 60, 52], [4, 40, 20, 60]]], labels: number[][] = [[0], [1, 0]]): DetBatch {
  const n = boxes.length;
  const rng = new Rng(7);
  const data = new Float32Array(n * size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (rng.next() - 0.5) * 0.2;
  boxes.forEach((imgBoxes, b) =>
    imgBoxes.forEach(([x1, y1, x2, y2], k) => {
      for (let y = y1; y < y2; y++)
        for (let x = x1; x < x2; x++) data[((b * size + y) * size + x) * 3 + labels[b][k]] += 1.5;
    }),
  );
  return {
    img: { data, shape: [n, size, size, 3] },
    imgMetas: boxes.map(() => meta(size, size)),
    gtBboxes: boxes.map((bs) => Float32Array.from(bs.flat())),
    gtLabels: labels.map((ls) => Int32Array.from(ls)),
  };
}

/** Plain SGD with momentum, applied to the model's variables by name. */
export function sgdStep(params: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>, state: Map<string, tf.Tensor>, lr: number, momentum = 0.9): void {
  tf.tidy(() => {
    // one scalar each per step: a number operand becomes its own tensor (an upload on webgpu) per op
    const m = tf.scalar(momentum);
    const step = tf.scalar(lr);
    for (const [name, g] of Object.entries(grads)) {
      const prev = state.get(name);
      const buf = prev ? tf.add(tf.mul(prev, m), g) : tf.clone(g);
      prev?.dispose();
      state.set(name, tf.keep(buf));
      params[name].assign(tf.sub(params[name], tf.mul(buf, step)));
    }
  });
  tf.dispose(Object.values(grads));
}

/**
 * One stride-8 level, one 8×8 anchor per cell, 1 class, no neck: small enough for hundreds of
 * steps, and with zeroed head weights its detections are the anchors themselves (hand-checkable).
 */
export function handCheckRetinaCfg(): Record<string, unknown> {
  return {
    type: 'RetinaNet',
    backbone: { type: 'TinyNet', stemChannels: 4, stageChannels: [4, 4], blocksPerStage: 0, outIndices: [1] },
    bboxHead: {
      type: 'RetinaHead', numClasses: 1, inChannels: 4, featChannels: 4, stackedConvs: 0,
      anchorGenerator: { type: 'AnchorGenerator', octaveBaseScale: 1, scalesPerOctave: 1, ratios: [1], strides: [8] },
      bboxCoder: { type: 'DeltaXYWHBBoxCoder' },
      lossCls: { type: 'FocalLoss', useSigmoid: true, gamma: 2, alpha: 0.25, lossWeight: 1 },
      lossBbox: { type: 'L1Loss', lossWeight: 1 },
    },
    trainCfg: { assigner: { type: 'MaxIoUAssigner', posIouThr: 0.5, negIouThr: 0.4, minPosIou: 0, ignoreIofThr: -1 } },
    testCfg: { nmsPre: 100, scoreThr: 0.05, nms: { type: 'nms', iouThreshold: 0.5 }, maxPerImg: 100 },
    rng: new Rng(3),
  };
}
