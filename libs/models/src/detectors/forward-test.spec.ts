import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { DETECTORS } from '@det/registry';
import '../index';
import { selectBackend } from '../backend';
import { SingleStageDetector } from './single-stage';
import { DetBatch, DetResult } from './types';
import { handCheckRetinaCfg, meta, syntheticBatch, tinyFcosCfg } from './__fixtures__/tiny';
import { hasPendingTuning, kernelTuningResults, resetKernelTuning, setKernelTuning, tunedChoice } from '../webgpu/tuning/kernel-tuner';

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await selectBackend('wasm');
});

/** Zero box deltas and a constant class logit of 2: every anchor becomes a detection scoring σ(2). */
function constantHead(model: SingleStageDetector): void {
  const sd = model.stateDict();
  const zeros = (k: string) => tf.zeros(sd[k].shape);
  const weights = {
    'bbox_head.retina_cls.weight': zeros('bbox_head.retina_cls.weight'),
    'bbox_head.retina_cls.bias': tf.tensor1d([2]),
    'bbox_head.retina_reg.weight': zeros('bbox_head.retina_reg.weight'),
    'bbox_head.retina_reg.bias': zeros('bbox_head.retina_reg.bias'),
  };
  const report = model.loadStateDict(weights, { strict: false });
  expect(report.unexpected).toEqual([]);
  tf.dispose(Object.values(weights));
}

const boxesOf = (r: DetResult) => Array.from({ length: r.scores.length }, (_, i) => Array.from(r.bboxes.subarray(i * 4, i * 4 + 4)));
const sortBoxes = (bs: number[][]) => [...bs].sort((a, b) => a[1] - b[1] || a[0] - b[0]);

/** 8×8 anchors centred on the stride-8 grid of a 32×32 input, clipped to the image, mapped by (sx, sy). */
function expectedAnchors(cols: number[][], sx: number, sy: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [y1, y2] = [Math.max(0, 8 * i - 4), Math.min(32, 8 * i + 4)];
    for (const [x1, x2] of cols) out.push([x1 / sx, y1 / sy, x2 / sx, y2 / sy]);
  }
  return sortBoxes(out);
}
const COLS = [[0, 4], [4, 12], [12, 20], [20, 28]];

function batch32(flip = false): DetBatch {
  // original 64 wide × 128 high, resized to 32×32: scaleFactor (0.5, 0.25)
  const m = meta(32, 32, { oriShape: [128, 64, 3], scaleFactor: [0.5, 0.25, 0.5, 0.25], flip, flipDirection: 'horizontal' });
  return { img: { data: new Float32Array(32 * 32 * 3), shape: [1, 32, 32, 3] }, imgMetas: [m] };
}

describe('forwardTest', () => {
  it('returns boxes in the original frame: rescale divides by scaleFactor (checked by hand)', async () => {
    const model = DETECTORS.build<SingleStageDetector>(handCheckRetinaCfg() as never);
    model.eval();
    constantHead(model);
    const [inNet] = await model.forwardTest(batch32(), { rescale: false });
    const [orig] = await model.forwardTest(batch32());
    expect(sortBoxes(boxesOf(inNet))).toEqual(expectedAnchors(COLS, 1, 1));
    expect(sortBoxes(boxesOf(orig))).toEqual(expectedAnchors(COLS, 0.5, 0.25));
    // e.g. the anchor at cell (row 1, col 2): [12,4,20,12] → [24,16,40,48]
    expect(boxesOf(orig)).toContainEqual([24, 16, 40, 48]);
    orig.scores.forEach((s) => expect(s).toBeCloseTo(1 / (1 + Math.exp(-2)), 5));
    expect(Array.from(orig.labels).every((l) => l === 0)).toBe(true);
    model.dispose();
  });

  it('augTest un-flips each augmentation, maps it back, merges and runs one NMS', async () => {
    const model = DETECTORS.build<SingleStageDetector>(handCheckRetinaCfg() as never);
    model.eval();
    constantHead(model);
    const plain = batch32();
    const flipped = batch32(true);
    const [merged] = await model.forwardTest({ ...plain, augs: [plain, flipped] }, { augTest: true });
    // the flipped view's clipped columns [0,4]..[20,28] un-flip to [28,32]..[4,12]: the three shared
    // columns collapse in NMS (IoU 1) and [28,32] is new → 5 columns × 4 rows
    expect(sortBoxes(boxesOf(merged))).toEqual(expectedAnchors([...COLS, [28, 32]], 0.5, 0.25));
    expect(boxesOf(merged)).toContainEqual([56, 16, 64, 48]);
    model.dispose();
  });

  it('augTest maps each scale back with its own scaleFactor (multi-scale)', async () => {
    const model = DETECTORS.build<SingleStageDetector>(handCheckRetinaCfg() as never);
    model.eval();
    constantHead(model);
    const small = batch32();
    // the same 64×128 original resized to 64×64: scaleFactor (1, 0.5)
    const bigMeta = meta(64, 64, { oriShape: [128, 64, 3], scaleFactor: [1, 0.5, 1, 0.5] });
    const big: DetBatch = { img: { data: new Float32Array(64 * 64 * 3), shape: [1, 64, 64, 3] }, imgMetas: [bigMeta] };
    const [merged] = await model.forwardTest({ ...small, augs: [small, big] }, { augTest: true });
    // 16 boxes from the 32×32 view (16×32 px in the original) and 64 from the 64×64 view (8×16 px);
    // no pair overlaps by IoU ≥ 0.5, so all 80 survive NMS
    expect(merged.scores.length).toBe(80);
    expect(boxesOf(merged)).toContainEqual([40, 80, 56, 112]); // 32×32 view, cell (3, 3)
    expect(boxesOf(merged)).toContainEqual([52, 104, 60, 120]); // 64×64 view, cell (7, 7)
    model.dispose();
  });

  it('FCOS returns at most maxPerImg boxes inside the image, labels within range', async () => {
    const cfg = tinyFcosCfg(2);
    const model = DETECTORS.build<SingleStageDetector>({ ...cfg, testCfg: { ...(cfg.testCfg as object), scoreThr: 0, maxPerImg: 7 } } as never);
    model.eval();
    const results = await model.forwardTest(syntheticBatch());
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.scores.length).toBe(7);
      expect(Array.from(r.labels).every((l) => l === 0 || l === 1)).toBe(true);
      expect(Array.from(r.bboxes).every((v) => v >= 0 && v <= 64)).toBe(true);
      // sorted by score after NMS
      for (let i = 1; i < r.scores.length; i++) expect(r.scores[i]).toBeLessThanOrEqual(r.scores[i - 1]);
    }
    model.dispose();
  });

  it('runs queued webgpu kernel tuning once the batch is done (inference meets the forward convs)', async () => {
    const model = DETECTORS.build<SingleStageDetector>(tinyFcosCfg(2) as never);
    model.eval();
    setKernelTuning(true);
    try {
      // a shape queued by a kernel during this batch (here by hand: wasm has no tuned kernels)
      tunedChoice('SpecKernel', 'k', 'only', () => ({ inputs: [[2]], candidates: [{ name: 'only', run: ([x]) => tf.add(x, 1) }] }));
      await model.forwardTest(syntheticBatch());
      expect(hasPendingTuning()).toBe(false);
      expect(kernelTuningResults().map((r) => [r.kernel, r.choice])).toEqual([['SpecKernel', 'only']]);
    } finally {
      setKernelTuning(false);
      resetKernelTuning();
      model.dispose();
    }
  });
});
