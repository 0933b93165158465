import * as tf from '@tensorflow/tfjs-core';
import { PRIOR_GENERATORS } from '@det/registry';
import { AnchorGenerator } from './anchor-generator';
import { MlvlPointGenerator } from './point-generator';
import { expectClose, flat, listVectorFiles, loadVectors } from '../testing/vectors';
import { useBackend } from '../testing/tf-backend';

beforeAll(async () => {
  await useBackend('cpu');
});

interface AnchorLevel {
  level: number; stride: number; featmap_size_hw: [number, number]; num_anchors: number;
  base_anchors_float32: number[][]; anchors_float32: number[][]; anchors_float64: number[][];
}

describe.each(listVectorFiles(/^anchors.*\.json$/))('AnchorGenerator against %s', (file) => {
  const v = loadVectors(file);
  it.each(v.cases.map((c, i) => [i, c] as const))('case %i', (i, c) => {
    const inp = c.inputs as {
      strides: number[]; ratios: number[]; octave_base_scale?: number; scales_per_octave?: number; scales: number[];
      base_sizes: number[]; scale_major: boolean; center_offset: number; padded_image_hw: [number, number];
      featmap_sizes_hw: [number, number][];
    };
    const gen = PRIOR_GENERATORS.build<AnchorGenerator>({
      type: 'AnchorGenerator',
      strides: inp.strides,
      ratios: inp.ratios,
      ...(inp.octave_base_scale !== undefined
        ? { octaveBaseScale: inp.octave_base_scale, scalesPerOctave: inp.scales_per_octave }
        : { scales: inp.scales }),
      baseSizes: inp.base_sizes,
      scaleMajor: inp.scale_major,
      centerOffset: inp.center_offset,
    });
    expectClose(gen.scales, inp.scales, `${file} case ${i} scales`, { rtol: 1e-12, atol: 0 });
    const levels = (c.expected as { levels: AnchorLevel[] }).levels;
    expect(levels.length).toBe(inp.featmap_sizes_hw.length);
    const priors = gen.gridPriors(inp.featmap_sizes_hw);
    levels.forEach((lv) => {
      const what = `${file} case ${i} level ${lv.level}`;
      expect(gen.numBaseAnchors[lv.level] * lv.featmap_size_hw[0] * lv.featmap_size_hw[1]).toBe(lv.num_anchors);
      // float32 reproduction of MMDetection's op order: exact.
      expectClose(gen.baseAnchors[lv.level], flat(lv.base_anchors_float32), `${what} base anchors`, { rtol: 0, atol: 0 });
      const data = priors[lv.level].dataSync();
      expect(priors[lv.level].shape).toEqual([lv.num_anchors, 4]);
      expectClose(data, flat(lv.anchors_float32), `${what} anchors (float32)`, { rtol: 0, atol: 0 });
      // And within float32 rounding of the float64 formula (coordinates ≲ 300 → ulp ≲ 3e-5).
      expectClose(data, flat(lv.anchors_float64), `${what} anchors (float64)`, { rtol: 1e-5, atol: 1e-5 });
    });
    tf.dispose(priors);
  });
});

describe('AnchorGenerator semantics', () => {
  it('validFlags marks cells beyond ceil(pad / stride) invalid, per anchor', () => {
    const gen = new AnchorGenerator({ strides: [16], ratios: [1], scales: [1, 2] });
    const [flags] = gen.validFlags([[3, 4]], [40, 30]); // valid rows ceil(40/16)=3, cols ceil(30/16)=2
    expect(flags.length).toBe(3 * 4 * 2);
    const cell = (y: number, x: number) => flags[(y * 4 + x) * 2];
    expect([cell(0, 0), cell(0, 1), cell(0, 2), cell(2, 1), cell(2, 3)]).toEqual([1, 1, 0, 1, 0]);
    expect(flags[(1 * 4 + 1) * 2 + 1]).toBe(1);
  });

  it('scaleMajor false orders scale-major, centerOffset moves the centre, errors name the key', () => {
    const gen = new AnchorGenerator({ strides: [[8, 4]], ratios: [1, 4], scales: [1, 2], scaleMajor: false, centerOffset: 0.5 });
    // base 4 (min stride), centre (2,2); order: (s1,r1), (s1,r4), (s2,r1), (s2,r4); r=4 → w = 4/2, h = 4*2
    expectClose(gen.baseAnchors[0], [0, 0, 4, 4, 1, -2, 3, 6, -2, -2, 6, 6, 0, -6, 4, 10], 'scale-major base');
    const [p] = gen.gridPriors([[2, 2]]);
    // Cell (y=1, x=1) shifts by (8, 4).
    expectClose(p.dataSync().slice(3 * 16, 3 * 16 + 4), [8, 4, 12, 8], 'shifted');
    expect(() => new AnchorGenerator({ strides: [8], ratios: [1] })).toThrow(/'scales' or 'octaveBaseScale'/);
    expect(() => gen.gridPriors([[1, 1], [1, 1]])).toThrow(/2 feature map sizes for 1 levels/);
  });
});

describe('MlvlPointGenerator', () => {
  it('places points at (x + offset)·stride, y-major, optionally with strides', () => {
    const gen = PRIOR_GENERATORS.build<MlvlPointGenerator>({ type: 'MlvlPointGenerator', strides: [8, [16, 32]] });
    const [l0, l1] = gen.gridPriors([[2, 3], [1, 2]], { withStride: true });
    expect(l0.shape).toEqual([6, 4]);
    expectClose(l0.dataSync().slice(0, 8), [4, 4, 8, 8, 12, 4, 8, 8], 'level 0');
    expectClose(l0.dataSync().slice(20, 24), [20, 12, 8, 8], 'level 0 last');
    expectClose(l1.dataSync(), [8, 16, 16, 32, 24, 16, 16, 32], 'level 1');
    const [p] = new MlvlPointGenerator({ strides: [4], offset: 0 }).gridPriors([[1, 2]]);
    expectClose(p.dataSync(), [0, 0, 4, 0], 'offset 0');
    expect(Array.from(gen.validFlags([[2, 3], [1, 2]], [9, 17])[0])).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(gen.validFlags([[2, 3], [1, 2]], [8, 10])[0])).toEqual([1, 1, 0, 0, 0, 0]);
  });
});
