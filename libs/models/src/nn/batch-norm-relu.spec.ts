import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { Rng } from '@det/registry';
import { batchNormRelu } from './batch-norm-relu';
import { describeIfGpu, gpuSuite } from '../webgpu/testing/describe-if-gpu';
import { programsRun, relativeMaxError } from '../webgpu/testing/compare';
import { setupWebGpu } from '../webgpu/setup';
import { ensureGradients } from '../backend/gradients';

// relu(batchNorm) with given statistics (frozen / eval BatchNorm): one DetBatchNormRelu pass on
// webgpu, against tf.relu(tf.batchNorm(...)) and its tfjs gradients on cpu — value and the
// gradients for x, scale and offset (what frozen-statistics training needs) and for the stats.

const SHAPE = [2, 5, 6, 12];

async function run(fused: boolean): Promise<number[][]> {
  const rng = new Rng(11);
  const fill = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
  const c = SHAPE[3];
  const n = SHAPE.reduce((a, v) => a * v);
  const ts = tf.tidy(() => {
    const [x, dy] = [tf.tensor(fill(n, -2, 2), SHAPE), tf.tensor(fill(n, -1, 1), SHAPE)];
    const [mean, variance, offset, scale] = [tf.tensor1d(fill(c, -0.5, 0.5)), tf.tensor1d(fill(c, 0.2, 2)), tf.tensor1d(fill(c, -0.3, 0.3)), tf.tensor1d(fill(c, 0.5, 1.5))];
    const f = (xi: tf.Tensor, mi: tf.Tensor, vi: tf.Tensor, oi: tf.Tensor, si: tf.Tensor) =>
      fused ? batchNormRelu(xi, mi, vi, oi, si, 1e-5)
        : tf.relu(tf.batchNorm(xi as tf.Tensor4D, mi as tf.Tensor1D, vi as tf.Tensor1D, oi as tf.Tensor1D, si as tf.Tensor1D, 1e-5));
    const y = f(x, mean, variance, offset, scale);
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(a[0], a[1], a[2], a[3], a[4]), dy)))([x, mean, variance, offset, scale]);
    return [y, ...grads];
  });
  const out = await Promise.all(ts.map(async (t) => Array.from(await t.data())));
  tf.dispose(ts);
  return out;
}

describe('batchNormRelu (cpu: the ops)', () => {
  it('equals relu(batchNorm) and its gradients exactly where no kernel is registered', async () => {
    await tf.setBackend('cpu');
    expect(await run(true)).toEqual(await run(false));
  });
});

describeIfGpu(gpuSuite('DetBatchNormRelu on webgpu'), () => {
  beforeAll(async () => {
    await setupWebGpu();
    ensureGradients();
  });

  it('value and x/mean/variance/offset/scale gradients match cpu within 1e-5', async () => {
    await tf.setBackend('cpu');
    const ref = await run(false);
    await tf.setBackend('webgpu');
    const gpu = await run(true);
    ['y', 'dx', 'dMean', 'dVariance', 'dOffset', 'dScale'].forEach((name, i) => {
      const err = relativeMaxError(gpu[i], ref[i]);
      if (!(err < 1e-5)) throw new Error(`${name}: relative error ${err}`);
    });
    expect(ref[0].some((v) => v === 0) && ref[0].some((v) => v > 0)).toBe(true);
  });

  it('runs the ReLU mask inside the BatchNorm gradient passes (no ReLU-gradient program)', async () => {
    await tf.setBackend('webgpu');
    const x = tf.randomNormal([2, 6, 6, 8]);
    const [mean, variance, offset, scale] = [tf.zeros([8]), tf.ones([8]), tf.zeros([8]), tf.ones([8])];
    let grads: tf.Tensor[] = [];
    const programs = programsRun(() => {
      grads = tf.grads((xi: tf.Tensor, oi: tf.Tensor, si: tf.Tensor) => tf.sum(batchNormRelu(xi, mean, variance, oi, si, 1e-5)))([x, offset, scale]);
    });
    await Promise.all(grads.map((g) => g.data()));
    tf.dispose([...grads, x, mean, variance, offset, scale]);
    expect(programs).not.toContain('ReluGradProgram');
    expect(programs.filter((p) => /BatchNormGivenStatsInputGrad|ChannelSums|ChannelFinalize|BatchNormApply/.test(p))).toEqual([
      'BatchNormApplyProgram', 'BatchNormGivenStatsInputGradProgram', 'ChannelSumsProgram', 'ChannelFinalizeProgram', // dγ and dβ in one
    ]);
  });
});
