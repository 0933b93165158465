// Times one Faster R-CNN training step of a config by phase (backbone+neck, RPN loss, proposals,
// sampling, RoI pooling, bbox head) on a synthetic batch. Runs from the built dist/:
//   npx tsc -b tsconfig.build.json && node bench/faster-rcnn/profile-step.cjs [config] [batch] [steps]
'use strict';
const path = require('node:path');
const tf = require('@tensorflow/tfjs-core');
const { loadConfig, DETECTORS, Rng } = require('@det/registry');
const models = require('@det/models');

const configFile = path.resolve(process.argv[2] ?? 'configs/faster_rcnn/faster_rcnn_tiny_synthetic.ts');
const batchSize = Number(process.argv[3] ?? 8);
const steps = Number(process.argv[4] ?? 4);

function syntheticBatch(n, h, w) {
  const rng = new Rng(1);
  const data = new Float32Array(n * h * w * 3).map(() => rng.next() - 0.5);
  const gtBboxes = [], gtLabels = [];
  for (let i = 0; i < n; i++) {
    const boxes = [];
    for (let k = 0; k < 3; k++) {
      const s = Math.min(24 + rng.next() * 72, 0.8 * Math.min(h, w)), x = rng.next() * (w - s), y = rng.next() * (h - s);
      boxes.push(x, y, x + s, y + s);
    }
    gtBboxes.push(Float32Array.from(boxes));
    gtLabels.push(Int32Array.from([0, 1, 2]));
  }
  const meta = { filename: 'x', oriShape: [h, w, 3], imgShape: [h, w, 3], padShape: [h, w, 3], scaleFactor: [1, 1, 1, 1], flip: false };
  return { img: { data, shape: [n, h, w, 3] }, imgMetas: Array.from({ length: n }, () => ({ ...meta })), gtBboxes, gtLabels };
}

(async () => {
  const backend = await models.selectBackend(process.env.DET_BACKEND ?? 'auto');
  const cfg = await loadConfig(configFile);
  const model = DETECTORS.build(cfg.model, { keyPath: 'model' });
  const acc = {};
  const wrap = (obj, name, label) => {
    const orig = obj[name].bind(obj);
    obj[name] = (...a) => { const t0 = performance.now(); try { return orig(...a); } finally { acc[label] = (acc[label] ?? 0) + performance.now() - t0; } };
  };
  wrap(model, 'extractFeat', 'backbone+neck fwd');
  wrap(model.rpnHead, 'loss', 'rpn loss');
  wrap(model.rpnHead, 'getProposals', 'proposals');
  wrap(model.roiHead, 'sampleImage', 'sampling');
  wrap(model.roiHead.bboxRoiExtractor, 'forward', 'roi pooling fwd');
  wrap(model.roiHead.bboxHead, 'forward', 'bbox head fwd');
  const [h, w] = (process.env.SIZE ?? '256x320').split('x').map(Number);
  const batch = syntheticBatch(batchSize, h, w);
  for (let s = 0; s < steps; s++) {
    for (const k of Object.keys(acc)) acc[k] = 0;
    const t0 = performance.now();
    const out = await model.trainStep(batch);
    const total = performance.now() - t0;
    tf.dispose(Object.values(out.grads));
    const fwd = Object.values(acc).reduce((a, b) => a + b, 0);
    console.log(`[${backend}] step ${s}: ${total.toFixed(0)} ms (forward parts ${fwd.toFixed(0)}, rest = backward ${(total - fwd).toFixed(0)})`,
      JSON.stringify(Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, Math.round(v)]))), `loss ${out.loss.toFixed(3)}`);
  }
})().catch((e) => { console.error(e); process.exit(1); });
