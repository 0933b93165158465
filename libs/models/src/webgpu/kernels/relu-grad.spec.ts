import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { programsRun } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { reluBackward, registerReluGradient } from '../../backend/relu-gradient';

// det's Relu gradient: one DetReluGrad dispatch on webgpu, tfjs's Step + Multiply elsewhere;
// both must equal tfjs's own gradient number for number (NaN, ±0, ±Infinity included).

const X = [-2, -0, 0, 1e-30, 3, NaN, Infinity, -Infinity, 0.5, -1e-30];
const DY = [1, 2, 3, 4, -5, 6, 7, NaN, Infinity, 9];

function expected(): number[] {
  return X.map((x, i) => DY[i] * (Number.isNaN(x) ? NaN : x > 0 ? 1 : 0));
}

describe('det Relu gradient (cpu)', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  it('equals tfjs\'s gradient through tf.grad, including NaN and ±0', async () => {
    const x = tf.tensor1d(X);
    const dy = tf.tensor1d(DY);
    const stock = tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy);
    registerReluGradient();
    const det = tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy);
    expect(Array.from(await det.data())).toEqual(Array.from(await stock.data()));
    expect(Array.from(await det.data())).toEqual(expected().map(Math.fround));
    tf.dispose([x, dy, stock, det]);
  });
});

describeIfGpu(gpuSuite('DetReluGrad on webgpu'), () => {
  beforeAll(async () => {
    await setupWebGpu();
    await tf.setBackend('webgpu');
  });

  it('gives the same numbers as Step + Multiply on cpu, in one dispatch', async () => {
    // tiled past tfjs's CPU hand-off size so the shader runs
    const n = 4000;
    const xs = Float32Array.from({ length: n }, (_, i) => X[i % X.length]);
    const dys = Float32Array.from({ length: n }, (_, i) => DY[i % DY.length]);
    const out = tf.tidy(() => reluBackward(tf.tensor1d(dys), tf.tensor1d(xs)));
    const got = Array.from(await out.data());
    out.dispose();
    const want = Array.from({ length: n }, (_, i) => Math.fround(expected()[i % X.length]));
    expect(got).toEqual(want);
  });

  it('is what tf.grad of tf.relu runs: one program, no Step', async () => {
    registerReluGradient();
    const x = tf.tensor1d(Float32Array.from({ length: 3000 }, (_, i) => (i % 7) - 3));
    const dy = tf.fill([3000], 2);
    let g: tf.Tensor | undefined;
    const programs = programsRun(() => { g = tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy); });
    const v = await g!.data();
    expect([v[0], v[3], v[4], v[6]]).toEqual([0, 0, 2, 2]);
    expect(programs).toEqual(['UnaryOpProgram', 'ReluGradProgram']); // relu forward, its gradient
    tf.dispose([x, dy, g!]);
  });
});
