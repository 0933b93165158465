import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { programsRun, relativeMaxError, runOn, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { chooseRowSplits, leadingAxesView } from './leading-axes-reduce';

// Summation order differs from tfjs-cpu (column partial sums vs one running sum); 1e-5 relative
// to the largest |reference| is loose for float32 sums of ≤ 40k terms in [-1, 1) yet catches any
// indexing error.
const TOL = 1e-5;

const CASES: { shape: number[]; axis: number | number[]; keepDims?: boolean }[] = [
  { shape: [2, 17, 19, 24], axis: [0, 1, 2] },                 // BatchNorm statistics (split rows)
  { shape: [2, 17, 19, 24], axis: [0, 1, 2], keepDims: true },
  { shape: [3, 5, 7], axis: [0] },                               // few rows: one pass
  { shape: [4, 100, 100, 3], axis: [2, 1, 0] },                  // unsorted axes, 40k rows
  { shape: [64, 130], axis: 0 },                                 // cols not a multiple of 64
  { shape: [2, 6, 8, 5], axis: [1, 2] },                         // not leading: tfjs's kernel
  { shape: [2, 6, 8, 5], axis: [0, 1, 2, 3] },                   // all axes: tfjs's kernel
];

describeIfGpu(gpuSuite('webgpu Sum/Mean over leading axes vs cpu'), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  describe.each(CASES)('shape $shape axis $axis keepDims $keepDims', ({ shape, axis, keepDims }) => {
    const x = { values: seededValues(shape.reduce((a, b) => a * b, 1), 11), shape };
    it.each(['sum', 'mean'] as const)('%s', async (op) => {
      const f = (t: tf.Tensor) => (op === 'sum' ? tf.sum(t, axis, keepDims) : tf.mean(t, axis, keepDims));
      const gpu = await runOn('webgpu', [x], f);
      const cpu = await runOn('cpu', [x], f);
      expect(relativeMaxError(gpu, cpu)).toBeLessThan(TOL);
      await tf.setBackend('webgpu');
      const shapeOut = tf.tidy(() => f(tf.zeros(shape)).shape);
      await tf.setBackend('cpu');
      expect(shapeOut).toEqual(tf.tidy(() => f(tf.zeros(shape)).shape));
    });
  });

  it('BatchNorm-style statistics run without a transpose, in ≤ 2 dispatches', async () => {
    await tf.setBackend('webgpu');
    const x = tf.randomNormal([2, 40, 40, 16]);
    const programs = programsRun(() => tf.dispose(tf.mean(x, [0, 1, 2])));
    expect(programs).toEqual(['ColumnSumProgram', 'SumSplitsProgram']);
    x.dispose();
  });

  it('int32 sums stay on tfjs\'s kernel (exact integers)', async () => {
    await tf.setBackend('webgpu');
    const s = tf.sum(tf.ones([300, 7], 'int32'), 0);
    expect(s.dtype).toBe('int32');
    expect(Array.from(await s.data())).toEqual(Array(7).fill(300));
    s.dispose();
  });
});

describe('leading-axes reduction planning', () => {
  it('accepts only a leading run of axes that leaves inner dims', () => {
    expect(leadingAxesView([2, 3, 4, 5], [0, 1, 2])).toEqual({ rows: 24, cols: 5, axes: [0, 1, 2] });
    expect(leadingAxesView([2, 3, 4, 5], [1, 2])).toBeNull();
    expect(leadingAxesView([2, 3], [0, 1])).toBeNull();
    expect(leadingAxesView([2, 3], undefined)).toBeNull();
  });
  it('splits rows when there are few columns', () => {
    expect(chooseRowSplits(16 * 160 * 160, 16)).toBe(1024);
    expect(chooseRowSplits(100, 16)).toBe(2);
    expect(chooseRowSplits(10, 4096)).toBe(1);
  });
});
