import * as tf from '@tensorflow/tfjs-core';
import { BBOX_CODERS } from '@det/registry';
import { DeltaXYWHBBoxCoder } from './delta-xywh-bbox-coder';
import { DistancePointBBoxCoder } from './distance-point-bbox-coder';
import { expectClose, flat, loadVectors } from '../../testing/vectors';
import { useBackend } from '../../testing/tf-backend';

beforeAll(async () => {
  await useBackend('cpu');
});

/**
 * Coordinates ≲ 200 rounded to float32 move by ≲ 7.6e-6 px; a delta divides a centre or size
 * difference by the box size (≳ 5 px) and by std 0.1, so float32 inputs alone explain ≲ 2e-5
 * absolute on deltas. Decoded boxes (≲ 1000 px) carry ≲ 1e-4 px.
 */
const DELTA_TOL = { rtol: 1e-5, atol: 2e-5 };
const BOX_TOL = { rtol: 1e-5, atol: 1e-4 };

describe('DeltaXYWHBBoxCoder against ops_bbox_coder.json', () => {
  const v = loadVectors('ops_bbox_coder.json');
  const meta = v.meta as { means: [number, number, number, number]; stds: [number, number, number, number]; wh_ratio_clip: number; max_ratio: number };
  const coder = BBOX_CODERS.build<DeltaXYWHBBoxCoder>({ type: 'DeltaXYWHBBoxCoder', targetMeans: meta.means, targetStds: meta.stds });

  it('uses the same wh ratio clip', () => {
    expect(Math.abs(Math.log(meta.wh_ratio_clip))).toBeCloseTo(meta.max_ratio, 12);
  });

  it.each(v.cases.map((c, i) => [i, c] as const))('case %i', (i, c) => {
    const op = c.op as string;
    const what = `${v.file} case ${i} (${op})`;
    if (op === 'encode') {
      const deltas = coder.encode(tf.tensor2d(c.inputs.proposals as number[][]), tf.tensor2d(c.inputs.gt as number[][]));
      expectClose(deltas.dataSync(), flat(c.expected.deltas), what, DELTA_TOL);
      // Round trip: decoding the deltas gives the gt back.
      const back = coder.decode(tf.tensor2d(c.inputs.proposals as number[][]), deltas);
      expectClose(back.dataSync(), flat(c.inputs.gt), `${what} round trip`, BOX_TOL);
    } else if (op === 'decode') {
      // MMDetection also clamps dw/dh from below; where it differs from torchvision the file gives boxes_mmdet_formula.
      const expected = c.expected.boxes_mmdet_formula ?? c.expected.boxes;
      const boxes = coder.decode(tf.tensor2d(c.inputs.rois as number[][]), tf.tensor2d(c.inputs.deltas as number[][]));
      expectClose(boxes.dataSync(), flat(expected), what, BOX_TOL);
    } else {
      throw new Error(`${what}: unknown op '${op}' — the coder spec cannot run this case`);
    }
  });
});

describe('DeltaXYWHBBoxCoder.decode semantics (float64 reference)', () => {
  const means: [number, number, number, number] = [0.1, -0.2, 0.05, 0];
  const stds: [number, number, number, number] = [0.1, 0.1, 0.2, 0.2];
  const rois = [[10, 20, 50, 80], [0, 0, 8, 4]];
  const deltas = [[0.5, -1, 30, -40, 0, 0, 0, 0], [2, 3, 0.4, -0.3, -500, 500, 1, 1]];
  // Independent transcription of delta2bbox in float64.
  const reference = (addCtrClamp: boolean, ctrClamp: number, maxShape?: [number, number]) => {
    const maxRatio = Math.abs(Math.log(16 / 1000));
    return rois.map((r, i) => {
      const out: number[] = [];
      for (let k = 0; k < 2; k++) {
        const d = deltas[i].slice(4 * k, 4 * k + 4).map((x, j) => x * stds[j] + means[j]);
        const [px, py, pw, ph] = [(r[0] + r[2]) / 2, (r[1] + r[3]) / 2, r[2] - r[0], r[3] - r[1]];
        let [sx, sy] = [pw * d[0], ph * d[1]];
        let [dw, dh] = [d[2], d[3]];
        if (addCtrClamp) {
          [sx, sy] = [sx, sy].map((s) => Math.max(-ctrClamp, Math.min(ctrClamp, s)));
          [dw, dh] = [dw, dh].map((s) => Math.min(s, maxRatio));
        } else [dw, dh] = [dw, dh].map((s) => Math.max(-maxRatio, Math.min(maxRatio, s)));
        const [gx, gy, gw, gh] = [px + sx, py + sy, pw * Math.exp(dw), ph * Math.exp(dh)];
        let box = [gx - gw / 2, gy - gh / 2, gx + gw / 2, gy + gh / 2];
        if (maxShape) box = box.map((b, j) => Math.max(0, Math.min(j % 2 === 0 ? maxShape[1] : maxShape[0], b)));
        out.push(...box);
      }
      return out;
    });
  };

  it('clamps dw/dh both ways, applies means/stds, handles 4·k deltas', () => {
    const coder = new DeltaXYWHBBoxCoder({ targetMeans: means, targetStds: stds });
    const out = coder.decode(tf.tensor2d(rois), tf.tensor2d(deltas));
    expect(out.shape).toEqual([2, 8]);
    expectClose(out.dataSync(), reference(false, 0).flat(), 'decode', BOX_TOL);
  });

  it('clips to maxShape [h, w] only with clipBorder', () => {
    const clip = new DeltaXYWHBBoxCoder({ targetMeans: means, targetStds: stds });
    expectClose(clip.decode(tf.tensor2d(rois), tf.tensor2d(deltas), { maxShape: [60, 40] }).dataSync(), reference(false, 0, [60, 40]).flat(), 'clipped', BOX_TOL);
    const noClip = new DeltaXYWHBBoxCoder({ targetMeans: means, targetStds: stds, clipBorder: false });
    expectClose(noClip.decode(tf.tensor2d(rois), tf.tensor2d(deltas), { maxShape: [60, 40] }).dataSync(), reference(false, 0).flat(), 'unclipped', BOX_TOL);
  });

  it('addCtrClamp limits the centre shift and only the upper side of dw/dh', () => {
    const coder = new DeltaXYWHBBoxCoder({ targetMeans: means, targetStds: stds, addCtrClamp: true, ctrClamp: 3 });
    expectClose(coder.decode(tf.tensor2d(rois), tf.tensor2d(deltas)).dataSync(), reference(true, 3).flat(), 'ctr clamp', BOX_TOL);
  });

  it('names shape errors', () => {
    const coder = new DeltaXYWHBBoxCoder();
    expect(() => coder.decode(tf.tensor2d(rois), tf.tensor2d([[1, 2, 3]]))).toThrow(/deltas must be \[2, 4·k\]/);
    expect(() => coder.encode(tf.tensor2d(rois), tf.tensor2d([[1, 2, 3, 4]]))).toThrow(/2 boxes but 1 gt boxes/);
  });
});

describe('DistancePointBBoxCoder', () => {
  it('encodes distances, clamps by maxDis - eps, decodes back with optional clipping', () => {
    const coder = BBOX_CODERS.build<DistancePointBBoxCoder>({ type: 'DistancePointBBoxCoder' });
    const points = tf.tensor2d([[10, 10], [30, 5]]);
    const gt = tf.tensor2d([[2, 4, 20, 30], [25, 0, 60, 8]]);
    const d = coder.encode(points, gt);
    expectClose(d.dataSync(), [8, 6, 10, 20, 5, 5, 30, 3], 'encode');
    expectClose(coder.encode(points, gt, { maxDis: 12 }).dataSync(), [8, 6, 10, 11.9, 5, 5, 11.9, 3], 'maxDis');
    expectClose(coder.decode(points, d).dataSync(), [2, 4, 20, 30, 25, 0, 60, 8], 'decode');
    expectClose(coder.decode(points, d, { maxShape: [20, 40] }).dataSync(), [2, 4, 20, 20, 25, 0, 40, 8], 'clip');
    expectClose(new DistancePointBBoxCoder({ clipBorder: false }).decode(points, d, { maxShape: [20, 40] }).dataSync(), [2, 4, 20, 30, 25, 0, 60, 8], 'no clip');
    // Points with a stride column ([n,4] from MlvlPointGenerator withStride) use x,y only.
    expectClose(coder.decode(tf.tensor2d([[10, 10, 8, 8]]), tf.tensor2d([[1, 2, 3, 4]])).dataSync(), [9, 8, 13, 14], 'stride points');
  });
});

// Inputs and expected values of MMDetection's own coder unit tests (tests/test_models/
// test_task_modules/test_coder); their expectations are printed to 4 decimals, hence atol 1e-4.
describe("MMDetection's coder unit-test values", () => {
  const MM_TOL = { rtol: 0, atol: 1e-4 };

  it('DeltaXYWHBBoxCoder.decode with maxShape (32, 32), and an empty input', () => {
    const coder = new DeltaXYWHBBoxCoder();
    const rois = tf.tensor2d([[0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 1, 1], [5, 5, 5, 5]]);
    const deltas = tf.tensor2d([[0, 0, 0, 0], [1, 1, 1, 1], [0, 0, 2, -1], [0.7, -1.9, -0.5, 0.3]]);
    const expected = [0, 0, 1, 1, 0.1409, 0.1409, 2.8591, 2.8591, 0, 0.3161, 4.1945, 0.6839, 5, 5, 5, 5];
    expectClose(coder.decode(rois, deltas, { maxShape: [32, 32] }).dataSync(), expected, 'mmdet decode', MM_TOL);
    const empty = coder.decode(tf.zeros([0, 4]) as tf.Tensor2D, tf.zeros([0, 4]) as tf.Tensor2D, { maxShape: [32, 32] });
    expect(empty.shape).toEqual([0, 4]);
  });

  it('DeltaXYWHBBoxCoder.decode with addCtrClamp, ctrClamp 2', () => {
    const coder = new DeltaXYWHBBoxCoder({ addCtrClamp: true, ctrClamp: 2 });
    const rois = tf.tensor2d([[0, 0, 6, 6], [0, 0, 1, 1], [0, 0, 1, 1], [5, 5, 5, 5]]);
    const deltas = tf.tensor2d([[1, 1, 2, 2], [1, 1, 1, 1], [0, 0, 2, -1], [0.7, -1.9, -0.5, 0.3]]);
    const expected = [0, 0, 27.1672, 27.1672, 0.1409, 0.1409, 2.8591, 2.8591, 0, 0.3161, 4.1945, 0.6839, 5, 5, 5, 5];
    expectClose(coder.decode(rois, deltas, { maxShape: [32, 32] }).dataSync(), expected, 'mmdet ctr clamp', MM_TOL);
  });

  it('DistancePointBBoxCoder encode (maxDis 50, eps 0) and decode (maxShape (120, 100))', () => {
    const coder = new DistancePointBBoxCoder();
    const points = tf.tensor2d([[74, 61], [-29, 106], [138, 61], [29, 170]]);
    const gt = [[74, 61, 75, 62], [0, 104, 0, 112], [100, 90, 100, 120], [0, 120, 100, 120]];
    const expectedDistance = [0, 0, 1, 1, 0, 2, 29, 6, 38, 0, 0, 50, 29, 50, 50, 0];
    expectClose(coder.encode(points, tf.tensor2d(gt), { maxDis: 50, eps: 0 }).dataSync(), expectedDistance, 'mmdet encode', MM_TOL);
    const distance = tf.tensor2d([[0, 0, 1, 1], [1, 2, 10, 6], [22, -29, 138, 61], [54, -29, 170, 61]]);
    expectClose(coder.decode(points, distance, { maxShape: [120, 100] }).dataSync(), gt.flat(), 'mmdet decode', MM_TOL);
  });
});

describe('DeltaXYWHBBoxCoder.encodeData (host arrays, for webgpu target assignment)', () => {
  it('equals encode on the cpu backend bit for bit, with means/stds', () => {
    const coder = new DeltaXYWHBBoxCoder({ targetMeans: [0.1, -0.2, 0, 0.05], targetStds: [0.1, 0.1, 0.2, 0.2] });
    // deterministic pseudo-random boxes with fractional float32 coordinates
    let s = 7;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const boxes = (n: number) => Float32Array.from({ length: n * 4 }, (_, i) => (i % 4 < 2 ? rnd() * 300 : 0)).map((v, i, a) => (i % 4 >= 2 ? a[i - 2] + 1 + rnd() * 200 : v));
    const b = boxes(64);
    const g = boxes(64);
    const want = coder.encode(tf.tensor2d(b, [64, 4]), tf.tensor2d(g, [64, 4]));
    expect(Array.from(coder.encodeData(b, g))).toEqual(Array.from(want.dataSync()));
    want.dispose();
    expect(() => coder.encodeData(new Float32Array(8), new Float32Array(4))).toThrow(/encodeData: need two flat n·4 arrays/);
  });
});

describe('decodeData (host arrays, for post-processing whose boxes are read back anyway)', () => {
  // deterministic pseudo-random values with fractional float32 parts
  let s = 11;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const boxes = (n: number) => Float32Array.from({ length: n * 4 }, (_, i) => (i % 4 < 2 ? rnd() * 300 : 0)).map((v, i, a) => (i % 4 >= 2 ? a[i - 2] + 1 + rnd() * 200 : v));
  // deltas up to ±6: beyond the wh-ratio clip (≈ 4.14) and the centre clamp, so every clip acts
  const deltas = (count: number) => Float32Array.from({ length: count }, () => (rnd() - 0.5) * 12);

  it.each([
    ['plain, k 1', {}, 1, undefined],
    ['means/stds, clipped to (120, 200), k 3', { targetMeans: [0.1, -0.2, 0, 0.05], targetStds: [0.1, 0.1, 0.2, 0.2] }, 3, [120, 200]],
    ['no clipBorder', { clipBorder: false }, 2, [120, 200]],
    ['addCtrClamp 4', { addCtrClamp: true, ctrClamp: 4 }, 1, [120, 200]],
  ] as const)('DeltaXYWHBBoxCoder %s equals decode on the cpu backend bit for bit', (_, options, k, maxShape) => {
    const coder = new DeltaXYWHBBoxCoder(options as ConstructorParameters<typeof DeltaXYWHBBoxCoder>[0]);
    const n = 97;
    const b = boxes(n);
    const d = deltas(n * 4 * k);
    const opts = maxShape ? { maxShape: [...maxShape] } : {};
    const want = coder.decode(tf.tensor2d(b, [n, 4]), tf.tensor2d(d, [n, 4 * k]), opts);
    expect(Array.from(coder.decodeData(b, d, opts))).toEqual(Array.from(want.dataSync()));
    want.dispose();
  });

  it('DeltaXYWHBBoxCoder: an empty input, and a mismatch named', () => {
    const coder = new DeltaXYWHBBoxCoder();
    expect(coder.decodeData(new Float32Array(0), new Float32Array(0))).toHaveLength(0);
    expect(() => coder.decodeData(new Float32Array(8), new Float32Array(12))).toThrow(/decodeData: need flat n·4 boxes and n·4k deltas, got 8 and 12/);
  });

  it('DistancePointBBoxCoder equals decode on the cpu backend bit for bit, clipped or not', () => {
    const n = 97;
    const points = Float32Array.from({ length: 2 * n }, () => rnd() * 150);
    const dist = Float32Array.from({ length: 4 * n }, () => rnd() * 90);
    for (const [coder, maxShape] of [[new DistancePointBBoxCoder(), [120, 100]], [new DistancePointBBoxCoder(), undefined], [new DistancePointBBoxCoder({ clipBorder: false }), [120, 100]]] as const) {
      const opts = maxShape ? { maxShape: [...maxShape] } : {};
      const want = coder.decode(tf.tensor2d(points, [n, 2]), tf.tensor2d(dist, [n, 4]), opts);
      expect(Array.from(coder.decodeData(points, dist, opts))).toEqual(Array.from(want.dataSync()));
      want.dispose();
    }
    expect(() => new DistancePointBBoxCoder().decodeData(new Float32Array(4), new Float32Array(4))).toThrow(/need flat n·2 points and n·4 distances/);
  });
});
