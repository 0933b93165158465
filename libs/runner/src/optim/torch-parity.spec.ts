import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { OPTIMIZERS } from '@det/registry';
import './sgd';
import './adam';
import type { Optimizer } from './optimizer';
import { clipGradNorm } from './clip-grad';
import fixture from './__fixtures__/torch_optim.json';

// Reference trajectories from PyTorch 1.13 (bench/runner/make-torch-optim-fixture.py): minimise
// sum(a·p² + b·p) for 5 steps; every step's gradient 2a·p + b is computed here from the current p.
const TOL = 2e-6;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('optimizers match PyTorch trajectories', () => {
  for (const c of fixture.cases) {
    it(`${c.name} (${c.type})`, () => {
      const init = tf.tensor1d(fixture.p0);
      const p = tf.variable(init);
      init.dispose();
      const opt = OPTIMIZERS.build<Optimizer>({ type: c.type, ...c.options }, { args: [{ p }] });
      const a = tf.tensor1d(fixture.a);
      const b = tf.tensor1d(fixture.b);
      c.history.forEach((expected, step) => {
        const g = tf.tidy(() => tf.add(tf.mul(tf.mul(a, p), 2), b));
        opt.step({ p: g });
        g.dispose();
        Array.from(p.dataSync()).forEach((v, i) => {
          if (Math.abs(v - expected[i]) > TOL * Math.max(1, Math.abs(expected[i]))) {
            throw new Error(`${c.name} step ${step + 1} element ${i}: det ${v}, torch ${expected[i]}`);
          }
        });
      });
      opt.dispose();
      tf.dispose([p, a, b]);
    });
  }
});

describe('clipGradNorm matches torch.nn.utils.clip_grad_norm_', () => {
  for (const c of fixture.clip) {
    it(`normType ${c.normType}`, async () => {
      const grads = { g1: tf.tensor(c.grads[0], c.shapes[0]), g2: tf.tensor(c.grads[1], c.shapes[1]) };
      const normType = c.normType === 'Infinity' ? Infinity : Number(c.normType);
      expect(await clipGradNorm(grads, c.maxNorm, normType)).toBeCloseTo(c.totalNorm, 5);
      [grads.g1, grads.g2].forEach((t, k) => Array.from(t.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(c.clipped[k][i], 6)));
      tf.dispose(Object.values(grads));
    });
  }
});
