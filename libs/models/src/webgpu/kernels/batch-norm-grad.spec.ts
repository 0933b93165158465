import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { programsRun, relativeMaxError, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_GRADS } from '../../kernels/native-batchnorm';

// tf.batchNorm with given statistics (frozen / eval-mode BatchNorm) under autodiff: det's fused
// gradient kernel on webgpu against tfjs's own gradient on cpu, for the gradients of all five
// inputs. 1e-4 relative to the largest reference value (float32 sums in another order).
const TOL = 1e-4;

const CASES: { name: string; shape: number[]; scalarStats?: boolean; noScale?: boolean }[] = [
  { name: 'vectors', shape: [2, 6, 5, 12] },
  { name: '3 channels, many rows', shape: [4, 30, 30, 3] },
  { name: '> 64 channels', shape: [2, 3, 3, 130] },
  { name: 'scalar mean/variance/scale', shape: [2, 4, 4, 8], scalarStats: true },
  // (no case without a scale: tfjs itself cannot differentiate batchNorm then — it saves the
  // missing input for the backward pass and fails on any backend)
];

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

async function grads(backend: string, c: (typeof CASES)[number]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const ch = c.shape[c.shape.length - 1];
  const vecShape = c.scalarStats ? [1] : [ch];
  const n = size(vecShape);
  const x = tf.tensor(seededValues(size(c.shape), 1).map((v, i) => v * 3 + (i % ch) * 0.25), c.shape);
  const mean = tf.tensor(seededValues(n, 2), vecShape);
  const variance = tf.tensor(seededValues(n, 3).map((v) => 1.5 + v), vecShape);
  const scale = tf.tensor(seededValues(n, 4).map((v) => 1 + 0.5 * v), vecShape);
  const offset = tf.tensor(seededValues(n, 5), vecShape);
  const w = tf.tensor(seededValues(size(c.shape), 6), c.shape);
  const f = (xt: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s?: tf.Tensor) =>
    tf.sum(tf.mul(tf.batchNorm(xt as tf.Tensor4D, m, v, o, s, 1e-3), w));
  // without a scale the op has four inputs
  const g = tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)(c.noScale ? [x, mean, variance, offset] : [x, mean, variance, offset, scale]);
  const out = await Promise.all(g.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([x, mean, variance, scale, offset, w, ...g]);
  return out;
}

describeIfGpu(gpuSuite("det's fused tf.batchNorm gradient on webgpu vs cpu"), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  it.each(CASES)('$name: gradients of x, mean, variance, scale and offset', async (c) => {
    const cpu = await grads('cpu', c);
    const gpu = await grads('webgpu', c);
    ['x', 'mean', 'variance', 'offset', 'scale'].slice(0, cpu.length).forEach((name, i) => {
      const err = relativeMaxError(gpu[i], cpu[i]);
      if (!(err < TOL)) throw new Error(`${name}: relative error ${err}`);
    });
  });

  it('runs the fused programs, not tfjs\'s element-wise gradient', async () => {
    await tf.setBackend('webgpu');
    const x = tf.randomNormal([2, 8, 8, 16]);
    const [m, v, s, o] = [tf.zeros([16]), tf.ones([16]), tf.ones([16]), tf.zeros([16])];
    const names = programsRun(() => tf.dispose(tf.grad((xt: tf.Tensor) => tf.sum(tf.batchNorm(xt as tf.Tensor4D, m, v, o, s, 1e-3)))(x)));
    expect(names).toContain('BatchNormGivenStatsInputGradProgram');
    expect(names).not.toContain('TileProgram');
    tf.dispose([x, m, v, s, o]);
  });

  // Frozen statistics with a trainable affine part (the detection backbones): dx, dScale and
  // dOffset only — one input-gradient pass, one sums pass, two finalisations; the statistics'
  // gradients are computed only when asked for.
  it('computes the statistics gradients only when they are differentiated', async () => {
    await tf.setBackend('webgpu');
    const x = tf.randomNormal([2, 8, 8, 16]);
    const [m, v, s, o] = [tf.zeros([16]), tf.ones([16]), tf.ones([16]), tf.zeros([16])];
    const f = (xt: tf.Tensor, mt: tf.Tensor, vt: tf.Tensor, st: tf.Tensor, ot: tf.Tensor) => tf.sum(tf.batchNorm(xt as tf.Tensor4D, mt, vt, ot, st, 1e-3));
    const count = (wrt: number[]) => {
      const before = tf.memory().numTensors;
      const names = programsRun(() => tf.dispose(tf.grads((...t: tf.Tensor[]) => {
        const all = [x, m, v, s, o];
        wrt.forEach((k, i) => { all[k] = t[i]; });
        return f(all[0], all[1], all[2], all[3], all[4]);
      })(wrt.map((k) => [x, m, v, s, o][k]))));
      expect(tf.memory().numTensors).toBe(before);
      return names.filter((n) => /^(BatchNormGivenStats|Channel)/.test(n)).sort();
    };
    // dγ and dβ come from one finalisation pass
    const trainingSet = ['BatchNormGivenStatsInputGradProgram', 'ChannelFinalizeProgram', 'ChannelSumsProgram'];
    expect(count([0, 3, 4])).toEqual(trainingSet);
    expect(count([0])).toEqual(trainingSet);
    // the mean's gradient adds its own sums pass and finalisation
    expect(count([0, 1])).toEqual([...trainingSet, 'ChannelFinalizeProgram', 'ChannelSumsProgram'].sort());
    tf.dispose([x, m, v, s, o]);
  });

  // One kernel call asking for every gradient runs all four finalisations in one pass (extra
  // outputs): each must equal the same gradient asked for alone (same sums, same formula).
  it('returns every gradient from one call, equal to each asked for alone', async () => {
    await tf.setBackend('webgpu');
    const shape = [2, 5, 5, 12];
    const t = (seed: number, n: number, f = (v: number) => v) => tf.tensor(seededValues(n, seed).map(f), n === 12 ? [12] : shape);
    const inputs = { x: t(1, 600, (v) => 3 * v), dy: t(2, 600), mean: t(3, 12), variance: t(4, 12, (v) => 1.5 + v), scale: t(5, 12, (v) => 1 + 0.5 * v) };
    const run = (grads: string[]) => tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, inputs, { varianceEpsilon: 1e-3, grads } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    let all: tf.Tensor[] = [];
    const names = programsRun(() => { all = run([...BATCH_NORM_GRADS]); });
    expect(names.filter((n) => n === 'ChannelFinalizeProgram')).toHaveLength(1);
    expect(all.map((g) => g.shape)).toEqual([shape, [12], [12], [12], [12]]);
    for (const [i, name] of BATCH_NORM_GRADS.entries()) {
      const [alone] = run([name]);
      expect(Array.from(await all[i].data())).toEqual(Array.from(await alone.data()));
      alone.dispose();
    }
    tf.dispose([...all, ...Object.values(inputs)]);
  });
});
