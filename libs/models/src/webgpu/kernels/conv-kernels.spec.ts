import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { programsRun, relativeMaxError, runOn, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { chooseFilterGradTiling, chooseSplits, defaultFilterGradVariant, filterGradShape, filterGradVariantName } from './conv2d-filter-grad';
import { FILTER_GRAD_TILINGS, FilterGradPartialProgram, SumSplitsProgram } from './conv2d-filter-grad-program';
import { inputGradShape, phaseSplitInputGrad } from './conv2d-input-grad';
import { chooseInputGradTiling, defaultInputGradVariant } from './conv2d-input-grad-variants';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { INPUT_GRAD_TILINGS, InputGradProgram, inputGradMacs, phaseTaps, type InputGradShape } from './conv2d-input-grad-program';

// float32 GPU math sums in a different order than tfjs-cpu; 1e-3 relative (to the largest
// reference magnitude) is far above float32 rounding for these K ≤ 2·64·64 sums and far below
// any indexing bug (which gives O(1) errors).
const TOL = 1e-3;

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number | [number, number];
  pad: 'same' | 'valid' | number;
}

const CASES: ConvCase[] = [
  { name: '3x3 s1 same 3→16 (first layer)', x: [2, 20, 20, 3], filter: [3, 3, 3, 16], stride: 1, pad: 'same' },
  { name: '3x3 s2 same 16→24', x: [2, 11, 13, 16], filter: [3, 3, 16, 24], stride: 2, pad: 'same' },
  { name: '3x3 s1 valid 40→33 (tile edges)', x: [1, 12, 9, 40], filter: [3, 3, 40, 33], stride: 1, pad: 'valid' },
  { name: '1x1 s1 64→8', x: [2, 8, 8, 64], filter: [1, 1, 64, 8], stride: 1, pad: 0 },
  { name: '5x5 s2 pad 1 8→12', x: [3, 15, 13, 8], filter: [5, 5, 8, 12], stride: 2, pad: 1 },
  { name: '1x1 s2 valid 6→10 (a phase without taps)', x: [2, 9, 8, 6], filter: [1, 1, 6, 10], stride: 2, pad: 'valid' },
  { name: '2x2 s2 valid 5→7', x: [1, 10, 11, 5], filter: [2, 2, 5, 7], stride: 2, pad: 'valid' },
  { name: '3x3 s3 same 4→36 (nine phases)', x: [2, 14, 13, 4], filter: [3, 3, 4, 36], stride: 3, pad: 'same' },
  { name: '3x3 s2 same 40→24 (phase split: ≥ 32 input channels)', x: [2, 11, 13, 40], filter: [3, 3, 40, 24], stride: 2, pad: 'same' },
  { name: '3x3 s3 same 33→8 (phase split, nine phases)', x: [1, 14, 13, 33], filter: [3, 3, 33, 8], stride: 3, pad: 'same' },
  { name: '1x1 s2 valid 32→10 (phase split, a phase without taps)', x: [2, 9, 8, 32], filter: [1, 1, 32, 10], stride: 2, pad: 'valid' },
  { name: '3x3 s1 same 8→8 large K (split-K)', x: [2, 48, 40, 8], filter: [3, 3, 8, 8], stride: 1, pad: 'same' },
];

const INPUT_GRAD_CASES: ConvCase[] = [
  { name: '3x3 s2 same 40→24 (several M and N tiles)', x: [2, 33, 31, 40], filter: [3, 3, 40, 24], stride: 2, pad: 'same' },
  { name: '3x3 s2 valid 64→64 (channels a multiple of every tile)', x: [2, 9, 9, 64], filter: [3, 3, 64, 64], stride: 2, pad: 'valid' },
  { name: '3x3 s3 same 33→8 (nine phases, scalar stores)', x: [1, 14, 13, 33], filter: [3, 3, 33, 8], stride: 3, pad: 'same' },
  { name: '1x1 s2 valid 32→10 (phases without taps, scalar loads)', x: [2, 9, 8, 32], filter: [1, 1, 32, 10], stride: 2, pad: 'valid' },
  { name: '1x1 s3 same 18→36', x: [1, 10, 11, 18], filter: [1, 1, 18, 36], stride: 3, pad: 'same' },
  { name: '5x5 s2 pad 1 12→7 (outC below a quad)', x: [3, 15, 13, 12], filter: [5, 5, 12, 7], stride: 2, pad: 1 },
  { name: '3x3 s(2,3) same 16→20 (mixed strides)', x: [1, 12, 14, 16], filter: [3, 3, 16, 20], stride: [2, 3], pad: 'same' },
  { name: '3x3 s1 same 20→36 (stride 1: one phase)', x: [1, 10, 7, 20], filter: [3, 3, 20, 36], stride: 1, pad: 'same' },
];

function outShape(c: ConvCase): number[] {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, 1, c.pad).outShape;
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

describeIfGpu(gpuSuite('webgpu conv kernels vs cpu'), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  describe.each(CASES)('$name', (c) => {
    const x = { values: seededValues(size(c.x), 1), shape: c.x };
    const w = { values: seededValues(size(c.filter), 2), shape: c.filter };
    const dy = { values: seededValues(size(outShape(c)), 3), shape: outShape(c) };

    it('Conv2DBackpropFilter (det split-K implicit GEMM)', async () => {
      // Called as a kernel (not through tf.grad) so exactly this kernel is compared.
      const f = (xt: tf.Tensor, dyt: tf.Tensor) =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, {
          strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter,
        }) as tf.Tensor;
      const gpu = await runOn('webgpu', [x, dy], f);
      const cpu = await runOn('cpu', [x, dy], f);
      expect(relativeMaxError(gpu, cpu)).toBeLessThan(TOL);
    });

    it('Conv2DBackpropInput (whichever path det takes for the shape)', async () => {
      const gpu = await runOn('webgpu', [dy, w], (dyt, wt) => backpropInput(dyt, wt, c));
      const cpu = await runOn('cpu', [dy, w], (dyt, wt) => backpropInput(dyt, wt, c));
      expect(relativeMaxError(gpu, cpu)).toBeLessThan(TOL);
    });

    it('Conv2D forward', async () => {
      const f = (xt: tf.Tensor, wt: tf.Tensor) => tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.stride, c.pad);
      const gpu = await runOn('webgpu', [x, w], f);
      const cpu = await runOn('cpu', [x, w], f);
      expect(relativeMaxError(gpu, cpu)).toBeLessThan(TOL);
    });
  });

  it.each(Object.entries(FILTER_GRAD_TILINGS))('filter-gradient tiling %s matches cpu (tile edges, split-K)', async (_name, tiling) => {
    const c = { x: [2, 13, 11, 20], filter: [3, 3, 20, 40], stride: 2, pad: 'same' as const };
    const xs = { values: seededValues(size(c.x), 5), shape: c.x };
    const out = tf.backend_util.computeConv2DInfo(c.x as [number, number, number, number], c.filter as [number, number, number, number], c.stride, 1, c.pad).outShape;
    const dys = { values: seededValues(size(out), 6), shape: out };
    const cpu = await runOn('cpu', [xs, dys], (xt, dyt) => tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, {
      strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter,
    }) as tf.Tensor);
    const gpu = await runOn('webgpu', [xs, dys], (xt, dyt) => {
      const backend = tf.backend() as unknown as { runWebGPUProgram(p: unknown, i: tf.TensorInfo[], d: string): tf.TensorInfo; disposeData(id: object): void };
      const parsed = filterGradShape(xt, { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter })!;
      const splits = 3;
      const partial = backend.runWebGPUProgram(new FilterGradPartialProgram(parsed.shape, splits, tiling), [xt, dyt], 'float32');
      const sum = backend.runWebGPUProgram(new SumSplitsProgram(parsed.filterShape, splits), [partial], 'float32');
      backend.disposeData(partial.dataId);
      return tf.engine().makeTensorFromTensorInfo(sum);
    });
    expect(relativeMaxError(gpu, cpu)).toBeLessThan(TOL);
  });

  it('Conv2DBackpropFilter runs det\'s programs (not tfjs\'s naive one): direct for ≤ 4 input channels, vec4 on small maps, the plain GEMM on large stride-1 maps', async () => {
    await tf.setBackend('webgpu');
    for (const [shape, expected] of [[[1, 8, 8, 4], 'FilterGradDirectProgram'], [[1, 8, 8, 8], 'FilterGradVec4Program'], [[1, 130, 130, 8], 'FilterGradPartialProgram']] as const) {
      const x = tf.randomNormal([...shape]);
      const dy = tf.randomNormal([...shape.slice(0, 3), 4]);
      const programs = programsRun(() => tf.dispose(tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, shape[3], 4],
      }) as tf.Tensor));
      expect(programs[0]).toBe(expected);
      tf.dispose([x, dy]);
    }
  });

  it('Conv2DBackpropFilter with one K split (a small feature map) is the partial-sum pass alone, equal to cpu', async () => {
    // 2×4×4 output positions: K = 32, one split; 2×16×16: several splits and the sum pass
    for (const [size, expected] of [[4, ['FilterGradVec4Program']], [16, ['FilterGradVec4Program', 'SumSplitsProgram']]] as const) {
      const xs = seededValues(2 * size * size * 8, 5);
      const dys = seededValues(2 * size * size * 16, 6);
      const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 8, 16] };
      const grad = (xt: tf.Tensor, dyt: tf.Tensor) => tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, attrs) as tf.Tensor;
      const inputs = [{ values: xs, shape: [2, size, size, 8] }, { values: dys, shape: [2, size, size, 16] }];
      const cpu = await runOn('cpu', inputs, grad);
      const gpu = await runOn('webgpu', inputs, grad);
      expect(relativeMaxError(gpu, cpu)).toBeLessThan(TOL);
      await tf.setBackend('webgpu');
      const [x, dy] = [tf.tensor4d(xs, [2, size, size, 8]), tf.tensor4d(dys, [2, size, size, 16])];
      expect(programsRun(() => tf.dispose(grad(x, dy)))).toEqual(expected);
      tf.dispose([x, dy]);
    }
  });

  it('Conv2DBackpropInput runs one det dispatch for all stride phases, at any stride and channel count', async () => {
    await tf.setBackend('webgpu');
    const dy = tf.randomNormal([1, 4, 4, 8]);
    for (const [inC, stride] of [[32, 2], [4, 2], [16, 1]]) {
      const w = tf.randomNormal([3, 3, inC, 8]);
      const programs = programsRun(() => tf.dispose(tf.conv2dTranspose(dy as tf.Tensor4D, w as tf.Tensor4D, [1, 4 * stride, 4 * stride, inC], stride, 'same')));
      expect(programs).toEqual(['InputGradProgram']);
      w.dispose();
    }
    dy.dispose();
  });

  // Every candidate tiling on shapes that hit its edge cases: odd sizes, partial M and N tiles,
  // channel counts that are / are not multiples of 4 (vec4 vs scalar loads and stores) and of
  // the tile, phases without taps, stride 1 (one phase), 2, 3 and mixed.
  describe.each(INPUT_GRAD_CASES)('input-gradient program, $name', (c) => {
    const w = { values: seededValues(size(c.filter), 12), shape: c.filter };
    const dy = { values: seededValues(size(outShape(c)), 13), shape: outShape(c) };
    let cpu: Float32Array;
    beforeAll(async () => {
      cpu = await runOn('cpu', [dy, w], (dyt, wt) => backpropInput(dyt, wt, c));
    });

    it.each(Object.keys(INPUT_GRAD_TILINGS))('tiling %s matches cpu', async (name) => {
      const gpu = await runOn('webgpu', [dy, w], (dyt, wt) => {
        const backend = tf.backend() as unknown as { runWebGPUProgram(p: unknown, i: tf.TensorInfo[], d: string): tf.TensorInfo };
        const shape = inputGradShape(wt, { inputShape: c.x, strides: c.stride, pad: c.pad, dataFormat: 'NHWC' })!;
        const program = new InputGradProgram(shape, INPUT_GRAD_TILINGS[name]);
        expect(program.dispatch[2]).toBe(Math.min(shape.strideH, shape.inH) * Math.min(shape.strideW, shape.inW));
        return tf.engine().makeTensorFromTensorInfo(backend.runWebGPUProgram(program, [dyt, wt], 'float32'));
      });
      expect(relativeMaxError(gpu, cpu)).toBeLessThan(TOL);
    });
  });
});

// Device-free: runs in CI without an adapter.
describe('Conv2DBackpropFilter planning', () => {
  it('picks the tiling the H200 sweep measured fastest for each reference layer shape', () => {
    expect(chooseFilterGradTiling(27, 16)).toBe(FILTER_GRAD_TILINGS.A_32x32k16_4x4);
    expect(chooseFilterGradTiling(144, 32)).toBe(FILTER_GRAD_TILINGS.A_32x32k16_4x4);
    expect(chooseFilterGradTiling(288, 32)).toBe(FILTER_GRAD_TILINGS.C_64x32k16_4x4);
    for (const [m, n] of [[288, 64], [576, 128], [1152, 256], [2304, 180]]) expect(chooseFilterGradTiling(m, n)).toBe(FILTER_GRAD_TILINGS.F_64x64k8_4x4);
  });

  // The reference step's layers at batch 16, 320² (x → dy channels, stride, output size), and the
  // choices kernel tuning made for them on an H100 (bench/gpu, 2026-11-26): the default rule is
  // those choices (pinned, they made the step's filter gradients 1.1 ms faster).
  it('defaults to the H100-tuned variant on every reference layer', () => {
    const backend = { device: { limits: { maxComputeWorkgroupStorageSize: 32768 } } } as unknown as WebGpuBackendLike;
    const layers: [number, number, number, number, string][] = [
      [3, 16, 1, 320, 'direct/splits×4'], [16, 32, 2, 160, 'vec4:F_64x64k8_4x4/splits×1'], [32, 32, 1, 160, 'C_64x32k16_4x4/splits×1'],
      [32, 64, 2, 80, 'vec4:F_64x64k8_4x4/splits×1'], [64, 64, 1, 80, 'F_64x64k8_4x4/splits×1'], [64, 128, 2, 40, 'vec4:F_64x64k8_4x4/splits×1'],
      [128, 128, 1, 40, 'F_64x64k8_4x4/splits×1'], [128, 256, 2, 20, 'vec4:F_64x64k8_4x4/splits×1'],
      [256, 180, 1, 20, 'vec4:F_64x64k8_4x4/splits×1'], [256, 36, 1, 20, 'vec4:F_64x64k8_4x4/splits×1'],
    ];
    for (const [inC, outC, stride, out, tuned] of layers) {
      const shape = { batch: 16, inH: out * stride, inW: out * stride, inC, outH: out, outW: out, outC, kH: 3, kW: 3, strideH: stride, strideW: stride, padTop: stride === 1 ? 1 : 0, padLeft: stride === 1 ? 1 : 0 };
      expect([inC, outC, filterGradVariantName(defaultFilterGradVariant(backend, shape))]).toEqual([inC, outC, tuned]);
    }
  });

  it('splits K only when the output tile grid is too small to fill a GPU', () => {
    expect(chooseSplits(27, 16, 2 * 160 * 160)).toBeGreaterThan(100); // first layer, batch 2
    expect(chooseSplits(2304, 256, 2 * 20 * 20)).toBeLessThanOrEqual(4); // deep layer: many tiles, short K
    expect(chooseSplits(9, 4, 100)).toBe(1); // K too short to split
  });
});

describe('Conv2DBackpropInput planning', () => {
  const shape = (inC: number, outC: number, stride = 2): InputGradShape => ({
    batch: 16, inH: 160, inW: 160, inC, outH: 160 / stride, outW: 160 / stride, outC, kH: 3, kW: 3, strideH: stride, strideW: stride, padTop: 0, padLeft: 0,
  });

  it('runs the phase GEMM by default with the tiling H100 tuning picked for each reference layer', () => {
    // dY → dX channels, stride, dY size (batch 16, 320² input), the tuned choice
    const layers: [number, number, number, number, string][] = [
      [36, 256, 1, 20, 'J_128x128k8_8x8_il'], [180, 256, 1, 20, 'I_128x64k8_8x8_il'], [256, 128, 2, 20, 'J_128x128k8_8x8_il'],
      [128, 128, 1, 40, 'I_128x64k8_8x8_il'], [128, 64, 2, 40, 'I_128x64k8_8x8_il'], [64, 64, 1, 80, 'H_64x32k16_4x4_pf'],
      [64, 32, 2, 80, 'H_64x32k16_4x4_pf'], [32, 32, 1, 160, 'C_64x32k16_4x4'], [32, 16, 2, 160, 'E_64x16k16_4x4'],
    ];
    for (const [outC, inC, stride, out, tuned] of layers) {
      const s: InputGradShape = { batch: 16, inH: out * stride, inW: out * stride, inC, outH: out, outW: out, outC, kH: 3, kW: 3, strideH: stride, strideW: stride, padTop: stride === 1 ? 1 : 0, padLeft: stride === 1 ? 1 : 0 };
      expect([outC, inC, defaultInputGradVariant(s)]).toEqual([outC, inC, `phase-gemm:${tuned}`]);
    }
    expect(chooseInputGradTiling(shape(8, 16))).toBe(INPUT_GRAD_TILINGS.E_64x16k16_4x4);
  });

  it('has taps for 3x3 stride 2 split 4 / 2 / 2 / 1 over the phases, and counts only those multiply-adds', () => {
    // 'same' padding of a 3×3 stride-2 conv on an even size: pad 0 before, 1 after
    expect([0, 1].map((p) => phaseTaps(p, 2, 0, 3).count)).toEqual([2, 1]);
    const s = shape(32, 64);
    expect(inputGradMacs(s)).toBe(16 * 80 * 80 * (4 + 2 + 2 + 1) * 32 * 64);
  });

  it('runs every stride phase in one dispatch (z = phase) and covers the largest phase along y', () => {
    const s = { ...shape(40, 24), inH: 33, inW: 31, outH: 17, outW: 16, padTop: 1, padLeft: 1 };
    const p = new InputGradProgram(s, INPUT_GRAD_TILINGS.A_32x32k16_4x4);
    expect(p.dispatch).toEqual([2, Math.ceil((16 * 17 * 16) / 32), 4]);
    expect(p.workgroupSize).toEqual([64, 1, 1]);
    expect(() => new InputGradProgram(s, { tileM: 32, tileN: 32, tileK: 6, perM: 4, perN: 4 })).toThrow(/tiling/);
  });

  it('hands the call to tfjs\'s kernel where the grid would pass maxComputeWorkgroupsPerDimension', () => {
    const ran: string[] = [];
    const kernel = phaseSplitInputGrad(() => { ran.push('tfjs'); return {} as tf.TensorInfo; });
    const call = (maxGroups: number) => kernel({
      inputs: { dy: { dtype: 'float32', shape: [1, 40, 40, 8] } as unknown as tf.TensorInfo, filter: { dtype: 'float32', shape: [3, 3, 32, 8] } as unknown as tf.TensorInfo },
      backend: { device: { limits: { maxComputeWorkgroupsPerDimension: maxGroups } }, runWebGPUProgram: (p: InputGradProgram) => { ran.push(`det ${p.dispatch.join('×')}`); return {}; } },
      attrs: { inputShape: [1, 80, 80, 32], strides: 2, pad: 'same', dataFormat: 'NHWC' },
    });
    call(65535);
    call(16); // 40·40 pixels per phase in 64-row tiles: 25 workgroups along y
    expect(ran).toEqual(['det 1×25×4', 'tfjs']);
  });
});

/** Input gradient through tf.grad of conv2d (works for numeric pads, unlike conv2dTranspose). */
function backpropInput(dyt: tf.Tensor, wt: tf.Tensor, c: ConvCase): tf.Tensor {
  const grad = tf.grad((xv: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xv as tf.Tensor4D, wt as tf.Tensor4D, c.stride, c.pad), dyt)));
  return grad(tf.zeros(c.x));
}
