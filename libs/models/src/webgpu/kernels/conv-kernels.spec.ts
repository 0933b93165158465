import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { programsRun, relativeMaxError, runOn, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { chooseFilterGradTiling, chooseSplits, filterGradShape } from './conv2d-filter-grad';
import { FILTER_GRAD_TILINGS, FilterGradPartialProgram, SumSplitsProgram } from './conv2d-filter-grad-program';
import { PHASE_SPLIT_MIN_IN_CHANNELS } from './conv2d-input-grad';

// float32 GPU math sums in a different order than tfjs-cpu; 1e-3 relative (to the largest
// reference magnitude) is far above float32 rounding for these K ≤ 2·64·64 sums and far below
// any indexing bug (which gives O(1) errors).
const TOL = 1e-3;

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
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

    it('Conv2DBackpropInput (det phase-split GEMM for stride > 1, else tfjs GEMM)', async () => {
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

  it('Conv2DBackpropFilter runs det\'s programs (not tfjs\'s naive one)', async () => {
    await tf.setBackend('webgpu');
    const x = tf.randomNormal([1, 8, 8, 4]);
    const dy = tf.randomNormal([1, 8, 8, 4]);
    const programs = programsRun(() => tf.dispose(tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
      strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 4, 4],
    }) as tf.Tensor));
    expect(programs[0]).toBe('FilterGradPartialProgram');
    tf.dispose([x, dy]);
  });

  it('strided Conv2DBackpropInput runs one det program per stride phase (≥ 32 input channels, else tfjs GEMM)', async () => {
    await tf.setBackend('webgpu');
    const dy = tf.randomNormal([1, 4, 4, 8]);
    for (const inC of [PHASE_SPLIT_MIN_IN_CHANNELS, 4]) {
      const w = tf.randomNormal([3, 3, inC, 8]);
      const programs = programsRun(() => tf.dispose(tf.conv2dTranspose(dy as tf.Tensor4D, w as tf.Tensor4D, [1, 8, 8, inC], 2, 'same')));
      expect(programs).toEqual(inC >= PHASE_SPLIT_MIN_IN_CHANNELS ? Array(4).fill('InputGradPhaseProgram') : ['Conv2DDerInputMMProgram']);
      w.dispose();
    }
    dy.dispose();
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

  it('splits K only when the output tile grid is too small to fill a GPU', () => {
    expect(chooseSplits(27, 16, 2 * 160 * 160)).toBeGreaterThan(100); // first layer, batch 2
    expect(chooseSplits(2304, 256, 2 * 20 * 20)).toBeLessThanOrEqual(4); // deep layer: many tiles, short K
    expect(chooseSplits(9, 4, 100)).toBe(1); // K too short to split
  });
});

/** Input gradient through tf.grad of conv2d (works for numeric pads, unlike conv2dTranspose). */
function backpropInput(dyt: tf.Tensor, wt: tf.Tensor, c: ConvCase): tf.Tensor {
  const grad = tf.grad((xv: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xv as tf.Tensor4D, wt as tf.Tensor4D, c.stride, c.pad), dyt)));
  return grad(tf.zeros(c.x));
}
