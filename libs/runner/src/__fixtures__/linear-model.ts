// Specs using this model need the cpu backend and tfjs-core's gradients (its CJS bundle registers none).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { globalRng, Rng } from '@det/registry';
import type { DataLoaderLike, LoadReport, RunnerDetResult, RunnerModel, StepOutput } from '../model/interfaces';

export interface LinearBatch {
  x: Float32Array; // n*3
  y: Float32Array; // n
}

/**
 * y ≈ x·w + b trained with MSE. The step adds label noise drawn from the global Rng, so exact
 * resume needs the RNG state restored too.
 */
export class LinearModel implements RunnerModel {
  readonly w = tf.variable(tf.tensor1d([0.1, -0.2, 0.3]), true);
  readonly b = tf.variable(tf.tensor1d([0]), true);
  training = true;
  numClasses?: number;
  /** Loss to report instead of the real one (NaN tests). */
  forcedLoss?: number;
  noise = 0.01;
  steps = 0;

  parameters(): Record<string, tf.Variable> {
    return { 'fc.weight': this.w, 'fc.bias': this.b };
  }

  private lossOf(batch: LinearBatch, noise: number[]): () => tf.Scalar {
    const n = batch.y.length;
    return () => {
      const x = tf.tensor2d(batch.x, [n, 3]);
      const y = tf.add(tf.tensor1d(batch.y), tf.tensor1d(noise));
      const pred = tf.add(tf.squeeze(tf.matMul(x, tf.reshape(this.w, [3, 1])), [1]), this.b);
      return tf.mean(tf.square(tf.sub(pred, y))) as tf.Scalar;
    };
  }

  async trainStep(batch: unknown): Promise<StepOutput> {
    const b = batch as LinearBatch;
    const noise = Array.from(b.y, () => this.noise * globalRng().normal());
    const { value, grads } = tf.variableGrads(this.lossOf(b, noise), [this.w, this.b]);
    const loss = this.forcedLoss ?? value.dataSync()[0];
    value.dispose();
    this.steps++;
    return {
      loss,
      logVars: { loss_mse: loss, loss },
      numSamples: b.y.length,
      grads: { 'fc.weight': grads[this.w.name], 'fc.bias': grads[this.b.name] },
    };
  }

  async valStep(batch: unknown): Promise<StepOutput> {
    const b = batch as LinearBatch;
    const t = tf.tidy(this.lossOf(b, Array(b.y.length).fill(0)));
    const loss = t.dataSync()[0];
    t.dispose();
    return { loss, logVars: { loss_mse: loss, loss }, numSamples: b.y.length };
  }

  async forwardTest(batch: unknown): Promise<RunnerDetResult[]> {
    const b = batch as LinearBatch;
    const w = this.w.dataSync();
    const bias = this.b.dataSync()[0];
    return Array.from(b.y, (_, i) => {
      const pred = b.x[3 * i] * w[0] + b.x[3 * i + 1] * w[1] + b.x[3 * i + 2] * w[2] + bias;
      return { bboxes: new Float32Array([pred, b.y[i], 0, 0]), scores: new Float32Array([1]), labels: new Int32Array([0]) };
    });
  }

  stateDict(): Record<string, tf.Tensor> {
    return this.parameters();
  }

  loadStateDict(sd: Record<string, tf.Tensor>): LoadReport {
    const params = this.parameters();
    const report: LoadReport = { missing: [], unexpected: [], mismatched: [] };
    for (const k of Object.keys(params)) if (!sd[k]) report.missing.push(k);
    for (const [k, t] of Object.entries(sd)) {
      const p = params[k];
      if (!p) report.unexpected.push(k);
      else if (p.shape.join() !== t.shape.join()) report.mismatched.push({ key: k, expected: p.shape, got: t.shape });
      else p.assign(t);
    }
    return report;
  }

  train(mode = true): void {
    this.training = mode;
  }

  dispose(): void {
    this.w.dispose();
    this.b.dispose();
  }
}

/** Samples of y = 2x0 − x1 + 0.5x2 + 1, batched; shuffled by a seed that depends on the epoch. */
export class ShuffledLoader implements DataLoaderLike<LinearBatch> {
  private epoch = 0;
  readonly xs: number[][];
  readonly ys: number[];
  setEpochCalls: number[] = [];
  dataset?: DataLoaderLike['dataset'];

  constructor(readonly size = 8, readonly batchSize = 2, readonly seed = 1) {
    const rng = new Rng(1234);
    this.xs = Array.from({ length: size }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)]);
    this.ys = this.xs.map(([a, b, c]) => 2 * a - b + 0.5 * c + 1);
  }

  get length(): number {
    return Math.ceil(this.size / this.batchSize);
  }

  setEpoch(epoch: number): void {
    this.epoch = epoch;
    this.setEpochCalls.push(epoch);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<LinearBatch> {
    const order = new Rng(this.seed * 1000 + this.epoch).permutation(this.size);
    for (let s = 0; s < this.size; s += this.batchSize) {
      const idx = order.slice(s, s + this.batchSize);
      yield { x: Float32Array.from(idx.flatMap((i) => this.xs[i])), y: Float32Array.from(idx.map((i) => this.ys[i])) };
    }
  }
}
