import * as tf from '@tensorflow/tfjs-core';
import { Rng, pluginContext, withOwner } from '@det/registry';
import '@det/models';
import plugin, { YOLOV3, YOLOV3Head } from './index';

// The head builds its MSELoss and the detector its head from the registries: register the plugin.
beforeAll(() => withOwner(plugin.name, () => plugin.register(pluginContext())));

const imgMeta = (h: number, w: number, scale = 1) => ({
  filename: 'x.jpg', oriShape: [h / scale, w / scale, 3] as [number, number, number], imgShape: [h, w, 3] as [number, number, number],
  padShape: [h, w, 3] as [number, number, number], scaleFactor: [scale, scale, scale, scale] as [number, number, number, number], flip: false,
});

const headOptions = {
  numClasses: 2,
  inChannels: [4, 4],
  outChannels: [4, 4],
  featmapStrides: [8, 16],
  anchorGenerator: { baseSizes: [[[8, 8], [12, 6]], [[16, 16], [24, 12]]] as [number, number][][] },
  testCfg: { scoreThr: 0.05, confThr: 0.005, nms: { iouThreshold: 0.45 }, maxPerImg: 10 },
};

describe('YOLOV3Head', () => {
  it('predicts A·(5 + C) channels per level', () => {
    const head = new YOLOV3Head(headOptions);
    const outs = head.forward([tf.zeros([1, 4, 4, 4]), tf.zeros([1, 2, 2, 4])]);
    expect(outs.predMaps.map((m) => m.shape)).toEqual([[1, 4, 4, 14], [1, 2, 2, 14]]);
    tf.dispose(outs.predMaps);
    head.dispose();
  });

  it('decodes a hand-made prediction to its prior box, scored σ(cls)·σ(conf), and rescales it', async () => {
    const head = new YOLOV3Head(headOptions);
    // Level 1 (stride 16), cell (y=1, x=0), anchor 1 (24×12): centre (8, 24) → box (-4, 18, 20, 30).
    const K = 7;
    const l1 = new Float32Array(2 * 2 * 2 * K).fill(-20);
    const at = ((1 * 2 + 0) * 2 + 1) * K;
    l1.set([0, 0, 0, 0, 3, -1, 2], at); // tx ty tw th = 0, conf logit 3, class 1 wins
    const predMaps = [tf.fill([1, 4, 4, 14], -20), tf.tensor4d(l1, [1, 2, 2, 2 * K])];
    const [det] = await head.getBboxes({ predMaps }, [imgMeta(32, 32, 2)], { rescale: true });
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    expect(Array.from(det.labels)).toEqual([1, 0]);
    expect(det.scores[0]).toBeCloseTo(sigmoid(2) * sigmoid(3), 5);
    expect(det.scores[1]).toBeCloseTo(sigmoid(-1) * sigmoid(3), 5);
    // Clipped to the 32×32 input, then divided by the scale factor 2.
    expect(Array.from(det.bboxes.subarray(0, 4))).toEqual([0, 9, 10, 15]);
    tf.dispose(predMaps);
    head.dispose();
  });

  it('loss: four finite named terms; no positives without boxes (cls/xy/wh are zero)', () => {
    const head = new YOLOV3Head(headOptions);
    const feats = [tf.randomNormal([2, 4, 4, 4], 0, 1, 'float32', 1), tf.randomNormal([2, 2, 2, 4], 0, 1, 'float32', 2)];
    const outs = head.forward(feats);
    const gt = {
      gtBboxes: [Float32Array.from([2, 2, 12, 10]), new Float32Array(0)],
      gtLabels: [Int32Array.from([1]), new Int32Array(0)],
      imgMetas: [imgMeta(32, 32), imgMeta(32, 32)],
    };
    const losses = head.loss(outs, gt);
    expect(Object.keys(losses).sort()).toEqual(['loss_cls', 'loss_conf', 'loss_wh', 'loss_xy']);
    for (const v of Object.values(losses)) expect(Number.isFinite(v.dataSync()[0])).toBe(true);
    const empty = head.loss(outs, { ...gt, gtBboxes: [new Float32Array(0), new Float32Array(0)], gtLabels: [new Int32Array(0), new Int32Array(0)] });
    expect(empty.loss_cls.dataSync()[0]).toBe(0);
    expect(empty.loss_xy.dataSync()[0]).toBe(0);
    expect(empty.loss_conf.dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([...feats, ...outs.predMaps, ...Object.values(losses), ...Object.values(empty)]);
    head.dispose();
  });

  it('checks its level configuration', () => {
    expect(() => new YOLOV3Head({ ...headOptions, featmapStrides: [8] })).toThrow(/one entry per level/);
    expect(() => new YOLOV3Head({ ...headOptions, numClasses: 0 })).toThrow(/numClasses must be a positive integer/);
  });
});

describe('YOLOV3 detector', () => {
  it('fits one image: the loss falls over a few SGD steps', async () => {
    const model = new YOLOV3({
      backbone: { type: 'TinyNet', stemChannels: 8, stageChannels: [8, 8, 8], blocksPerStage: 0, outIndices: [1, 2] },
      bboxHead: { type: 'YOLOV3Head', ...headOptions, inChannels: [8, 8], outChannels: [8, 8], numClasses: 2 },
      rng: new Rng(1),
    });
    const data = new Float32Array(32 * 32 * 3);
    for (let y = 8; y < 24; y++) for (let x = 4; x < 20; x++) data.set([2, -1, 1], (y * 32 + x) * 3);
    const batch = { img: { data, shape: [1, 32, 32, 3] as [number, number, number, number] }, imgMetas: [imgMeta(32, 32)], gtBboxes: [Float32Array.from([4, 8, 20, 24])], gtLabels: [Int32Array.from([1])] };
    const params = model.parameters();
    const losses: number[] = [];
    for (let step = 0; step < 12; step++) {
      const out = await model.trainStep(batch);
      losses.push(out.loss);
      for (const [name, g] of Object.entries(out.grads!)) {
        tf.tidy(() => params[name].assign(tf.sub(params[name], tf.mul(tf.clipByValue(g, -1, 1), 0.01))));
      }
      tf.dispose(Object.values(out.grads!));
    }
    expect(Object.keys((await model.valStep(batch)).logVars).sort()).toEqual(['loss', 'loss_cls', 'loss_conf', 'loss_wh', 'loss_xy']);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.8);
    model.dispose();
  });
});
