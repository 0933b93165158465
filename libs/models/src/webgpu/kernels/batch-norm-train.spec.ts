import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { programsRun, relativeMaxError, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { batchNormTrain, hasFusedBatchNormTrain } from '../../nn/batch-norm-train';
import { channelSplits } from './batch-norm-train';

// det's fused training BatchNorm (+ReLU) on webgpu against the composite tf.moments +
// tf.batchNorm (+ tf.relu) under tfjs autodiff on the cpu backend: outputs, batch statistics and
// the gradients of Σ y·w for x, scale and offset. 1e-4 relative to the largest reference value:
// float32 sums in another order (and the one-pass shifted variance) stay ~1e-6; a wrong index or
// formula gives O(1).
const TOL = 1e-4;

const CASES: { shape: number[]; relu: boolean }[] = [
  { shape: [2, 5, 7, 16], relu: false },
  { shape: [2, 5, 7, 16], relu: true },
  { shape: [1, 3, 3, 3], relu: true }, // 3 channels (columns padded to a power of two)
  { shape: [2, 4, 4, 130], relu: true }, // > 64 channels, not a multiple of 64
  { shape: [4, 40, 40, 8], relu: true }, // many row splits
];

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

async function run(backend: string, shape: number[], relu: boolean): Promise<Record<string, Float32Array>> {
  await tf.setBackend(backend);
  const c = shape[shape.length - 1];
  // an offset mean per channel, so the statistics are not trivially ~0
  const x = tf.tensor(seededValues(size(shape), 1).map((v, i) => v * 2 + (i % c) * 0.5), shape);
  const scale = tf.tensor(seededValues(c, 2).map((v) => 1 + v * 0.5), [c]);
  const offset = tf.tensor(seededValues(c, 3), [c]);
  const w = tf.tensor(seededValues(size(shape), 4), shape);
  const running = { mean: tf.variable(tf.fill([c], 0.25), false), variance: tf.variable(tf.fill([c], 2), false), momentum: 0.1 };
  let y: tf.Tensor | undefined;
  const { value, grads } = tf.valueAndGrads((xt: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
    const out = batchNormTrain(xt, s, o, 1e-5, relu, running);
    y = tf.keep(out);
    return tf.sum(tf.mul(out, w));
  })([x, scale, offset]);
  const named: Record<string, tf.Tensor> = { y: y!, dx: grads[0], dScale: grads[1], dOffset: grads[2], runningMean: running.mean, runningVar: running.variance, loss: value };
  const out: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(named)) out[k] = (await t.data()) as Float32Array;
  tf.dispose([x, scale, offset, w, ...Object.values(named)]);
  return out;
}

describeIfGpu(gpuSuite("det's fused training BatchNorm on webgpu vs cpu"), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  it('is registered on webgpu only', async () => {
    await tf.setBackend('webgpu');
    expect(hasFusedBatchNormTrain()).toBe(true);
    await tf.setBackend('cpu');
    expect(hasFusedBatchNormTrain()).toBe(false);
  });

  it.each(CASES)('shape $shape relu $relu: y, mean, variance and gradients', async ({ shape, relu }) => {
    const cpu = await run('cpu', shape, relu);
    const gpu = await run('webgpu', shape, relu);
    for (const key of Object.keys(cpu)) {
      const err = relativeMaxError(gpu[key], cpu[key]);
      if (!(err < TOL)) throw new Error(`${key}: relative error ${err}`);
    }
    expect(Object.keys(gpu).sort()).toEqual(['dOffset', 'dScale', 'dx', 'loss', 'runningMean', 'runningVar', 'y']);
  });

  it('runs 4 programs forward and 5 backward per layer, without a tensor leak', async () => {
    await tf.setBackend('webgpu');
    const x = tf.variable(tf.randomNormal([2, 6, 6, 8]));
    const scale = tf.variable(tf.ones([8]));
    const offset = tf.variable(tf.zeros([8]));
    const before = tf.memory().numTensors;
    let names: string[] = [];
    names = programsRun(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(batchNormTrain(x, scale, offset, 1e-5, true)) as tf.Scalar, [x, scale, offset]);
      tf.dispose([value, ...Object.values(grads)]);
    });
    expect(tf.memory().numTensors).toBe(before);
    const ours = names.filter((n) => /^(ChannelSums|ChannelFinalize|BatchNormApply|BatchNormInputGrad)Program$/.test(n));
    expect(ours).toEqual([
      'ChannelSumsProgram', 'ChannelFinalizeProgram', 'BatchNormApplyProgram', // mean and variance in one finalisation
      'ChannelSumsProgram', 'ChannelFinalizeProgram', 'BatchNormInputGradProgram', // dx coefficients, dγ and dβ in one
    ]);
    tf.dispose([x, scale, offset]);
  });

  it('updates both running statistics in one program, as the op-by-op update does', async () => {
    await tf.setBackend('webgpu');
    const x = tf.tensor(seededValues(2 * 6 * 6 * 8, 5).map((v, i) => v * 3 + (i % 8)), [2, 6, 6, 8]);
    const [scale, offset] = [tf.ones([8]), tf.zeros([8])];
    const init = { mean: seededValues(8, 6), variance: seededValues(8, 7).map((v) => 1 + Math.abs(v)) };
    const running = { mean: tf.variable(tf.tensor1d(init.mean), false), variance: tf.variable(tf.tensor1d(init.variance), false), momentum: 0.1 };
    const names = programsRun(() => tf.dispose(batchNormTrain(x, scale, offset, 1e-5, false, running)));
    expect(names.filter((n) => n === 'RunningAveragesProgram')).toHaveLength(1);
    expect(names.filter((n) => /^(BinaryOp|UnaryOp)/.test(n))).toEqual([]);
    // the same update spelled with tfjs ops on webgpu, from the batch statistics
    const expected = tf.tidy(() => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      const n = 2 * 6 * 6;
      return [tf.add(tf.mul(tf.tensor1d(init.mean), 0.9), tf.mul(mean, 0.1)),
        tf.add(tf.mul(tf.tensor1d(init.variance), 0.9), tf.mul(tf.mul(variance, n / (n - 1)), 0.1))];
    });
    // 1e-6 relative: the same float32 operations on statistics summed in another order
    expect(relativeMaxError((await running.mean.data()) as Float32Array, (await expected[0].data()) as Float32Array)).toBeLessThan(1e-6);
    expect(relativeMaxError((await running.variance.data()) as Float32Array, (await expected[1].data()) as Float32Array)).toBeLessThan(1e-6);
    tf.dispose([x, scale, offset, running.mean, running.variance, ...expected]);
  });
});

describe('channelSplits', () => {
  it('fills ~1024 workgroups, keeps ≥ 16 rows per lane and at least one split', () => {
    expect(channelSplits(16 * 320 * 320, 16)).toBe(1024);
    expect(channelSplits(100, 16)).toBe(1);
    expect(channelSplits(2 * 20 * 20, 256)).toBe(Math.ceil(800 / (4 * 16))); // 64 columns × 4 lanes per workgroup
    expect(channelSplits(16 * 40 * 40, 2048)).toBe(Math.min(Math.ceil(1024 / 32), Math.ceil(25600 / 64)));
  });
});
