import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { programsRun, relativeMaxError, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { groupNorm, GN_KERNEL } from '../../nn/group-norm-kernel';
import { activeBackendHas } from '../../backend/kernel-registry';

// det's fused GroupNorm (+ReLU) on webgpu against the composite ops (tf.moments over a 5-D view)
// under tfjs autodiff on the cpu backend: the output and the gradients of Σ y·w for x, γ and β.
// 1e-4 relative to the largest reference value: float32 sums in another order (and the one-pass
// shifted variance) stay ~1e-6; a wrong index, group or formula gives O(1).
const TOL = 1e-4;

const CASES: { shape: [number, number, number, number]; groups: number; relu: boolean }[] = [
  { shape: [2, 5, 7, 12], groups: 3, relu: false },
  { shape: [2, 5, 7, 12], groups: 3, relu: true },
  { shape: [1, 9, 6, 32], groups: 32, relu: true }, // one channel per group
  { shape: [2, 4, 4, 64], groups: 1, relu: false }, // one group: LayerNorm over H, W, C
  { shape: [1, 64, 64, 32], groups: 2, relu: true }, // 65 536 values per group: many splits
  { shape: [5, 3, 4, 64], groups: 32, relu: false }, // 160 (n, group) pairs: 3 finalisation workgroups
];

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

async function run(backend: string, shape: number[], groups: number, relu: boolean): Promise<Record<string, Float32Array>> {
  await tf.setBackend(backend);
  const c = shape[3];
  // an offset per channel, so group statistics are not trivially ~0
  const x = tf.tensor(seededValues(size(shape), 1).map((v, i) => v * 2 + (i % c) * 0.25), shape);
  const gamma = tf.tensor(seededValues(c, 2).map((v) => 1 + v * 0.5), [c]);
  const beta = tf.tensor(seededValues(c, 3), [c]);
  const w = tf.tensor(seededValues(size(shape), 4), shape);
  let y: tf.Tensor | undefined;
  const { value, grads } = tf.valueAndGrads((xt: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const out = groupNorm(xt, g, b, groups, 1e-5, relu);
    y = tf.keep(out);
    return tf.sum(tf.mul(out, w));
  })([x, gamma, beta]);
  const named: Record<string, tf.Tensor> = { y: y!, dx: grads[0], dGamma: grads[1], dBeta: grads[2], loss: value };
  const out: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(named)) out[k] = (await t.data()) as Float32Array;
  tf.dispose([x, gamma, beta, w, ...Object.values(named)]);
  return out;
}

describeIfGpu(gpuSuite("det's fused GroupNorm on webgpu vs cpu"), () => {
  beforeAll(async () => {
    await setupWebGpu();
  });

  it('is registered on webgpu only', async () => {
    await tf.setBackend('webgpu');
    expect(activeBackendHas(GN_KERNEL)).toBe(true);
    await tf.setBackend('cpu');
    expect(activeBackendHas(GN_KERNEL)).toBe(false);
  });

  it.each(CASES)('shape $shape, $groups groups, relu $relu: y and the gradients for x, γ, β', async ({ shape, groups, relu }) => {
    const cpu = await run('cpu', shape, groups, relu);
    const gpu = await run('webgpu', shape, groups, relu);
    for (const key of Object.keys(cpu)) {
      const err = relativeMaxError(gpu[key], cpu[key]);
      if (!(err < TOL)) throw new Error(`${key}: relative error ${err}`);
    }
    expect(Object.keys(gpu).sort()).toEqual(['dBeta', 'dGamma', 'dx', 'loss', 'y']);
  });

  it('runs 3 programs forward and 5 backward per layer, no transposes, without a tensor leak', async () => {
    await tf.setBackend('webgpu');
    const x = tf.variable(tf.randomNormal([2, 6, 6, 16]));
    const gamma = tf.variable(tf.ones([16]));
    const beta = tf.variable(tf.zeros([16]));
    const before = tf.memory().numTensors;
    const names = programsRun(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(groupNorm(x, gamma, beta, 4, 1e-5, true)) as tf.Scalar, [x, gamma, beta]);
      tf.dispose([value, ...Object.values(grads)]);
    });
    expect(tf.memory().numTensors).toBe(before);
    const ours = names.filter((n) => /^(Group\w+|ChannelSums|ChannelFinalize)Program$/.test(n));
    expect(ours).toEqual([
      'GroupSumsProgram', 'GroupFinalizeProgram', 'GroupNormApplyProgram', // statistics, y
      'GroupSumsProgram', 'GroupFinalizeProgram', 'GroupNormInputGradProgram', // dx
      'ChannelSumsProgram', 'ChannelFinalizeProgram', // dγ and dβ in one finalisation
    ]);
    expect(names.filter((n) => n === 'TransposeProgram')).toEqual([]); // the ops path transposes the 5-D view
    tf.dispose([x, gamma, beta]);
  });
});
