import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureGradients } from '../backend/gradients';
import { loadNativeAddon } from './native-addon';
import { NATIVE_BACKEND, registerNativeBackend } from './native-backend';
import { expectSameAsCpu, randomData } from './__fixtures__/compare';

// tfjs's matMul op passes rank-2 inputs straight to BatchMatMul; a kernel that only took rank 3
// silently fell back to the stock JS loop (≈0.6 GFLOP/s) for every Linear layer. These specs
// count the addon's gemm calls so the native path itself is what is checked.
const load = loadNativeAddon();
let gemmCalls = 0;
const countingAddon = load.addon && Object.create(load.addon, {
  gemm: { value: (...args: Parameters<NonNullable<typeof load.addon>['gemm']>) => (++gemmCalls, load.addon!.gemm(...args)) },
});
const describeNative = process.env.DET_NATIVE === '0' ? describe.skip : describe;
const t = (shape: number[], seed: number) => tf.tensor(randomData(shape.reduce((a, b) => a * b, 1), seed), shape);

describeNative('native BatchMatMul takes every rank', () => {
  beforeAll(() => {
    tf.env().set('IS_TEST', true);
    ensureGradients();
    if (!load.addon) throw new Error(`native addon missing: ${load.reason}`);
    registerNativeBackend(countingAddon);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    ['rank 2', [19, 37], [37, 23], true],
    ['rank 2, Linear-sized', [64, 3136], [3136, 256], true],
    ['rank 4, same batch dims', [2, 3, 19, 37], [2, 3, 37, 23], true],
    // forward only: tfjs's own BatchMatMul gradient does not reduce a broadcast b back to rank 2
    ['rank 4 × rank 2 (broadcast)', [2, 3, 19, 37], [37, 23], false],
  ] as const)('%s: same values (and gradients) as the stock cpu kernel, through the addon', async (_name, sa, sb, withGrads) => {
    for (const [ta, tb] of [[false, false], [true, true]] as const) {
      const shapeA = ta ? [...sa.slice(0, -2), sa[sa.length - 1], sa[sa.length - 2]] : [...sa];
      const shapeB = tb ? [...sb.slice(0, -2), sb[sb.length - 1], sb[sb.length - 2]] : [...sb];
      gemmCalls = 0;
      await expectSameAsCpu(NATIVE_BACKEND, () => {
        const a = t(shapeA, 1), b = t(shapeB, 2);
        const loss = (p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q, ta, tb)));
        return [tf.matMul(a, b, ta, tb), ...(withGrads ? tf.grads(loss)([a, b]) : [])];
      });
      expect(gemmCalls).toBeGreaterThan(0);
    }
  });
});
