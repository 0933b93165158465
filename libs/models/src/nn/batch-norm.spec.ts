import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, withRunningStatsFrozen } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Batch-norm gradients of L = Σ w·y, y = γ·x̂ + β, written out per channel in plain JS:
 * dβ = Σw, dγ = Σ w·x̂, dx = γ/σ · (w − mean(w) − x̂·mean(w·x̂)), σ = sqrt(biased var + ε).
 */
function handGradients(x: Float32Array, w: Float32Array, gamma: number[], channels: number, eps: number) {
  const n = x.length / channels;
  const dx = new Float64Array(x.length);
  const dGamma: number[] = [];
  const dBeta: number[] = [];
  for (let c = 0; c < channels; c++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[i * channels + c] / n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (x[i * channels + c] - mean) ** 2 / n;
    const sigma = Math.sqrt(variance + eps);
    const xHat = (i: number) => (x[i * channels + c] - mean) / sigma;
    let sumW = 0;
    let sumWX = 0;
    for (let i = 0; i < n; i++) {
      sumW += w[i * channels + c];
      sumWX += w[i * channels + c] * xHat(i);
    }
    dBeta.push(sumW);
    dGamma.push(sumWX);
    for (let i = 0; i < n; i++) dx[i * channels + c] = (gamma[c] / sigma) * (w[i * channels + c] - sumW / n - xHat(i) * (sumWX / n));
  }
  return { dx, dGamma, dBeta };
}

describe('BatchNorm2d through tf.batchNorm', () => {
  it('training-mode gradients of the layer itself match the hand-derived batch-norm gradients', () => {
    const bn = new BatchNorm2d({ numFeatures: 3 });
    const gamma = [1.5, -0.5, 2];
    bn.weight.assign(tf.tensor1d(gamma));
    bn.bias.assign(tf.tensor1d([0.1, 0.2, -0.3]));
    const x = tf.randomNormal([2, 3, 4, 3], 1, 2, 'float32', 21) as tf.Tensor4D;
    const w = tf.randomNormal([2, 3, 4, 3], 0, 1, 'float32', 22);
    const loss = () => tf.sum(tf.mul(bn.forward(x), w)) as tf.Scalar;
    const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(bn.forward(xx), w)))(x);
    const { grads } = tf.variableGrads(loss);
    // Running statistics are buffers: no gradient flows into them.
    expect(Object.keys(grads).sort()).toEqual([bn.bias.name, bn.weight.name].sort());
    const want = handGradients(x.dataSync() as Float32Array, w.dataSync() as Float32Array, gamma, 3, 1e-5);
    Array.from(dx.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want.dx[i], 4));
    Array.from(grads[bn.weight.name].dataSync()).forEach((v, c) => expect(v).toBeCloseTo(want.dGamma[c], 3));
    Array.from(grads[bn.bias.name].dataSync()).forEach((v, c) => expect(v).toBeCloseTo(want.dBeta[c], 3));
    // Two forwards (tf.grad, tf.variableGrads): the running stats moved twice, outside the gradients.
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(2);
    tf.dispose([x, w, dx, ...Object.values(grads)]);
    bn.dispose();
  });

  it('eval mode normalises with the running statistics and leaves them unchanged', () => {
    const bn = new BatchNorm2d({ numFeatures: 2, eps: 1e-3 });
    bn.runningMean.assign(tf.tensor1d([1, -2]));
    bn.runningVar.assign(tf.tensor1d([4, 0.25]));
    bn.weight.assign(tf.tensor1d([2, 1]));
    bn.bias.assign(tf.tensor1d([0.5, 0]));
    bn.eval();
    const x = tf.tensor4d([3, -1, 0, -2], [1, 1, 2, 2]);
    const y = bn.forward(x);
    const want = [2 * (3 - 1) / Math.sqrt(4.001) + 0.5, (-1 + 2) / Math.sqrt(0.251), 2 * (0 - 1) / Math.sqrt(4.001) + 0.5, 0];
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    expect(Array.from(bn.runningMean.dataSync())).toEqual([1, -2]);
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(0);
    tf.dispose([x, y]);
    bn.dispose();
  });

  it('one forward leaves no tensors behind beyond its output', () => {
    const bn = new BatchNorm2d({ numFeatures: 4 });
    const x = tf.randomNormal([2, 2, 2, 4], 0, 1, 'float32', 3);
    bn.forward(x).dispose(); // first call may create lasting state
    const before = tf.memory().numTensors;
    const y = bn.forward(x);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([x, y]);
    bn.dispose();
  });

  it('withRunningStatsFrozen: training mode still uses batch statistics but the running averages and the batch count stay put', async () => {
    const bn = new BatchNorm2d({ numFeatures: 3 });
    bn.train(true);
    const x = tf.tensor4d(Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => i * 0.5), [2, 2, 2, 3]);
    const before = { mean: Array.from(bn.runningMean.dataSync()), n: bn.numBatchesTracked.dataSync()[0] };
    const frozen = await withRunningStatsFrozen(bn, async () => tf.tidy(() => bn.forward(x)));
    expect(Array.from(bn.runningMean.dataSync())).toEqual(before.mean);
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(before.n);
    expect(bn.updateRunningStats).toBe(true); // restored
    const normal = tf.tidy(() => bn.forward(x));
    expect(Array.from(frozen.dataSync())).toEqual(Array.from(normal.dataSync())); // same batch statistics
    expect(Array.from(bn.runningMean.dataSync())).not.toEqual(before.mean);
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(before.n + 1);
    tf.dispose([x, frozen, normal]);
    bn.dispose();
  });
});
