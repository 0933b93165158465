import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../backend';
import { Module } from '../nn';
import { imageTensor } from './batch-tensors';
import { endWebGpuStep } from '../webgpu/end-of-step';
import { LossDict, parseLosses, readScalars } from './parse-losses';
import { DetBatch, DetResult, ImgMeta } from './types';

/** What the runner receives from trainStep / valStep (docs/contracts.md). */
export interface StepOutput {
  loss: number;
  logVars: Record<string, number>;
  numSamples: number;
  /** By parameter name; the receiver disposes them. */
  grads?: Record<string, tf.Tensor>;
}

export interface ForwardTestOptions {
  /** Return boxes in the original image frame (default true). */
  rescale?: boolean;
  /** Use batch.augs (flip / multi-scale) and merge. */
  augTest?: boolean;
}

/**
 * The runner-facing half of a detector (MMDetection's BaseDetector): trainStep computes losses and
 * gradients (never applies them), valStep only losses, forwardTest dispatches to simpleTest or augTest.
 */
export abstract class BaseDetector extends Module {
  abstract extractFeat(img: tf.Tensor): tf.Tensor[];
  /** Named losses of one batch (keys containing 'loss' are summed into the total). */
  abstract forwardTrain(img: tf.Tensor, batch: DetBatch): LossDict;
  /** May be async: heads read detections back with `await data()` (webgpu has no sync reads). */
  abstract simpleTest(img: tf.Tensor, imgMetas: ImgMeta[], rescale: boolean): DetResult[] | Promise<DetResult[]>;
  abstract augTest(augs: DetBatch[], rescale: boolean): DetResult[] | Promise<DetResult[]>;

  async trainStep(batch: DetBatch, _optimizer?: unknown): Promise<StepOutput> {
    ensureGradients();
    const params = Object.entries(this.parameters());
    const nameOf = new Map(params.map(([name, v]) => [v.name, name]));
    const img = imageTensor(batch);
    let logTensors: Record<string, tf.Scalar> = {};
    let value: tf.Scalar | undefined;
    try {
      const out = tf.variableGrads(() => {
        const { loss, logVars } = parseLosses(this.forwardTrain(img, batch));
        // kept past the gradient scope so they can be read back after it
        for (const t of Object.values(logVars)) tf.keep(t);
        logTensors = logVars;
        return loss;
      }, params.map(([, v]) => v));
      value = out.value;
      const grads: Record<string, tf.Tensor> = {};
      for (const [varName, g] of Object.entries(out.grads)) grads[nameOf.get(varName) ?? varName] = g;
      const logVars = await readScalars(logTensors);
      await endWebGpuStep();
      return { loss: logVars.loss, logVars, numSamples: batch.imgMetas.length, grads };
    } finally {
      tf.dispose([img, ...Object.values(logTensors), ...(value ? [value] : [])]);
    }
  }

  async valStep(batch: DetBatch): Promise<StepOutput> {
    const img = imageTensor(batch);
    try {
      const { logVars } = tf.tidy(() => parseLosses(this.forwardTrain(img, batch)));
      const numbers = await readScalars(logVars);
      tf.dispose(Object.values(logVars));
      await endWebGpuStep();
      return { loss: numbers.loss, logVars: numbers, numSamples: batch.imgMetas.length };
    } finally {
      img.dispose();
    }
  }

  async forwardTest(batch: DetBatch, options: ForwardTestOptions = {}): Promise<DetResult[]> {
    const rescale = options.rescale ?? true;
    if (options.augTest && batch.augs && batch.augs.length > 0) return this.augTest(batch.augs, rescale);
    const img = imageTensor(batch);
    let results: DetResult[];
    try {
      results = await this.simpleTest(img, batch.imgMetas, rescale);
    } finally {
      img.dispose();
    }
    await endWebGpuStep(); // kernel tuning, when on, meets the forward convs here
    return results;
  }
}
