import * as tf from '@tensorflow/tfjs-core';
import { activeBackendHas, installGradient } from '../backend/kernel-registry';

/**
 * Fused training-mode BatchNorm kernels, registered by backends that have them (webgpu: see
 * `webgpu/kernels/batch-norm-train.ts`). Channels are the last axis; statistics over all others.
 *  - TRAIN {x, scale, offset}, {varianceEpsilon, relu} → [y, mean, variance] (biased variance)
 *  - GRAD  {x, dy, mean, variance, scale, y?}, {varianceEpsilon, relu} → [dx, dScale, dOffset]
 * The batch statistics are outputs of the taped kernel, so autodiff saves them for the backward
 * pass like any output; the gradient below accounts analytically for their dependence on x.
 */
export const BN_TRAIN_KERNEL = 'DetBatchNormTrain';
export const BN_TRAIN_GRAD_KERNEL = 'DetBatchNormTrainGrad';
/**
 * {runningMean, runningVariance, mean, variance}, {momentum, unbias} → [runningMean·(1 − momentum) + mean·momentum,
 * runningVariance·(1 − momentum) + variance·unbias·momentum]
 */
export const RUNNING_AVERAGES_KERNEL = 'DetRunningAverages';

const bnTrainGradient: tf.GradConfig = {
  kernelName: BN_TRAIN_KERNEL,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [true, true, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, scale, y, mean, variance] = saved;
    const relu = Boolean((attrs as { relu?: boolean }).relu);
    const inputs: Record<string, tf.Tensor> = { x, dy: Array.isArray(dy) ? dy[0] : dy, mean, variance, scale };
    if (relu) inputs.y = y;
    const [dx, dScale, dOffset] = tf.engine().runKernel(BN_TRAIN_GRAD_KERNEL, inputs, attrs as tf.NamedAttrMap) as tf.Tensor[];
    return { x: () => dx, scale: () => dScale, offset: () => dOffset };
  },
};

/** Running averages the batch statistics update (PyTorch convention: unbiased variance, new weight `momentum`). */
export interface RunningStats {
  mean: tf.Variable;
  variance: tf.Variable;
  momentum: number;
}

/** True when the active backend has det's fused training BatchNorm kernels. */
export function hasFusedBatchNormTrain(): boolean {
  return activeBackendHas(BN_TRAIN_KERNEL);
}

function updateRunning(running: RunningStats, mean: tf.Tensor, variance: tf.Tensor, count: number): void {
  const momentum = running.momentum;
  const unbias = count > 1 ? count / (count - 1) : 1;
  tf.tidy(() => {
    const [newMean, newVariance] = runningAverages(running, mean, variance, momentum, unbias);
    running.mean.assign(newMean);
    running.variance.assign(newVariance);
  });
}

/** One kernel for both statistics where the backend registers it (webgpu: 1 dispatch instead of ~8), else the ops. */
function runningAverages(running: RunningStats, mean: tf.Tensor, variance: tf.Tensor, momentum: number, unbias: number): tf.Tensor[] {
  if (activeBackendHas(RUNNING_AVERAGES_KERNEL)) {
    const inputs = { runningMean: running.mean, runningVariance: running.variance, mean, variance };
    return tf.engine().runKernel(RUNNING_AVERAGES_KERNEL, inputs, { momentum, unbias }) as tf.Tensor[];
  }
  const average = (r: tf.Tensor, s: tf.Tensor) => tf.add(tf.mul(r, 1 - momentum), tf.mul(s, momentum));
  return [average(running.mean, mean), average(running.variance, unbias === 1 ? variance : tf.mul(variance, unbias))];
}

/**
 * BatchNorm with batch statistics (+ ReLU when `relu`), as a training step needs it; updates
 * `running` from the batch statistics when given. Where the backend has the fused kernels this
 * is 4 dispatches forward and 5 backward per layer with the analytic gradient
 * dx = γ·rstd·(g − Σg/N − x̂·Σ(g·x̂)/N); elsewhere tf.moments + tf.batchNorm (+ tf.relu) under
 * autodiff — the same function.
 */
export function batchNormTrain(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, varianceEpsilon: number, relu = false, running?: RunningStats): tf.Tensor {
  const count = x.size / x.shape[x.rank - 1];
  if (!hasFusedBatchNormTrain()) {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, Array.from({ length: x.rank - 1 }, (_, i) => i));
      if (running) updateRunning(running, mean, variance, count);
      const y = tf.batchNorm(x as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D, offset as tf.Tensor1D, scale as tf.Tensor1D, varianceEpsilon);
      return relu ? tf.relu(y) : y;
    });
  }
  installGradient(bnTrainGradient);
  const attrs = { varianceEpsilon, relu } as unknown as tf.NamedAttrMap;
  const [y, mean, variance] = tf.engine().runKernel(BN_TRAIN_KERNEL, { x, scale, offset }, attrs) as tf.Tensor[];
  if (running) updateRunning(running, mean, variance, count);
  tf.dispose([mean, variance]); // still saved for the backward pass while a gradient is being taped
  return y;
}
