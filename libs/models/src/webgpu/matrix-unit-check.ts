import * as tf from '@tensorflow/tfjs-core';
import { activeMatrixUnit, setActiveMatrixUnit } from './conv-precision';
import { ensureGradients } from '../backend/gradients';
import { differsFrom, F16_TOLERANCE, withWebGpuErrors } from './tuning/candidate-check';

const OUTPUTS = ['forward output', 'input gradient', 'first filter gradient', 'second filter gradient'];

/**
 * Two 3×3 convs of 32 channels (stride 1, then stride 2) with their gradients: every kind of f16
 * matrix-unit kernel (forward, input gradients of both strides, filter gradients) meets it.
 * Returns the forward output and the gradients for x and both filters.
 */
function smallNet(): tf.Tensor[] {
  return tf.tidy(() => {
    const x = tf.randomUniform([2, 10, 10, 32], -1, 1, 'float32', 1);
    const w1 = tf.randomUniform([3, 3, 32, 32], -0.2, 0.2, 'float32', 2);
    const w2 = tf.randomUniform([3, 3, 32, 32], -0.2, 0.2, 'float32', 3);
    const dy = tf.randomUniform([2, 5, 5, 32], -1, 1, 'float32', 4);
    const net = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.conv2d(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')), c as tf.Tensor4D, 2, 'same');
    const grads = tf.grads((a, b, c) => tf.sum(tf.mul(net(a, b, c), dy)))([x, w1, w2]);
    return [net(x, w1, w2), ...grads];
  });
}

/**
 * Checks the matrix units setup just turned on before training trusts them: the small net above
 * in f32 and then on the matrix units. Returns why they cannot be used on this device — a WebGPU
 * error (a shader its driver rejects: the dispatch is dropped and the output is stale memory) or
 * an output further from f32 than f16 rounding explains (F16_TOLERANCE of its scale) — or null.
 * Leaves the active matrix unit as it found it.
 */
export async function checkMatrixUnits(): Promise<string | null> {
  const outputs = await matrixUnitOutputChecks();
  const failed = Object.entries(outputs).find(([, why]) => why);
  return failed ? (failed[0] === 'error' ? failed[1] : `${failed[0]}: ${failed[1]}`) : null;
}

/**
 * checkMatrixUnits's comparison for every output of the small net (forward output, input
 * gradient, both filter gradients): null where the f16 result is within F16_TOLERANCE of f32,
 * else why not; or `{ error }` where the run threw (a WebGPU error). Empty without an active unit.
 * bench/gpu's `sgmat-check` runs it for every matrix shape a GPU offers.
 */
export async function matrixUnitOutputChecks(): Promise<Record<string, string | null>> {
  const unit = activeMatrixUnit();
  if (!unit) return {};
  ensureGradients(); // setupWebGpu may be called directly, before anything registered tfjs's gradients
  setActiveMatrixUnit(null);
  let reference: tf.Tensor[] = [];
  let f16: tf.Tensor[] = [];
  try {
    reference = smallNet();
    setActiveMatrixUnit(unit);
    return await withWebGpuErrors(async () => {
      f16 = smallNet();
      const checks: Record<string, string | null> = {};
      for (let i = 0; i < f16.length; i++) {
        const why = await differsFrom(f16[i], reference[i], F16_TOLERANCE);
        checks[OUTPUTS[i]] = why ? why.replace(/default's/g, "f32 result's") : null;
      }
      return checks;
    });
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    setActiveMatrixUnit(unit);
    tf.dispose([...reference, ...f16]);
  }
}
