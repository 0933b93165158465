import * as tf from '@tensorflow/tfjs-core';

/** Largest |candidate − default| over the largest |default| a candidate may differ by. */
export const OUTPUT_TOLERANCE = 1e-3;
/**
 * The same for candidates with f16 operands (f32 sums): f16 rounds each operand by up to 2^-11
 * relative, so outputs move by ~1e-3 of their scale; 1e-2 still catches a wrong tap or channel.
 */
export const F16_TOLERANCE = 1e-2;

interface ErrorScopes { pushErrorScope(filter: string): void; popErrorScope(): Promise<{ message: string } | null> }

/** The error scopes withWebGpuErrors opens: 'internal' is where a driver that fails to compile a shader Dawn accepted reports. */
const ERROR_SCOPES = ['internal', 'out-of-memory', 'validation'] as const;

/**
 * Runs `work` inside WebGPU internal, out-of-memory and validation error scopes; throws where the
 * GPU reported an error meanwhile (a shader Dawn or the driver rejected dispatches nothing, so
 * its output would be stale memory, not an exception). `work` must await a read of what it
 * dispatched.
 */
export async function withWebGpuErrors<T>(work: () => Promise<T>, cleanup: () => void = () => {}): Promise<T> {
  const device = (tf.backend() as unknown as { device?: ErrorScopes }).device;
  for (const scope of ERROR_SCOPES) device?.pushErrorScope(scope);
  try {
    return await work();
  } finally {
    const errors: { message: string }[] = [];
    for (let i = 0; device && i < ERROR_SCOPES.length; i++) {
      const error = await device.popErrorScope();
      if (error) errors.push(error);
    }
    if (errors.length) {
      cleanup();
      throw new Error(`WebGPU error: ${errors.map((e) => e.message).join('; ')}`);
    }
  }
}

/**
 * Runs a candidate once and returns its output as a tensor; throws on a WebGPU error during the
 * run (withWebGpuErrors), or where the output differs from `reference`.
 */
export async function checkedRun(run: () => tf.TensorInfo, reference: tf.Tensor | undefined, tolerance = OUTPUT_TOLERANCE): Promise<tf.Tensor> {
  let out: tf.Tensor | undefined;
  const mismatch = await withWebGpuErrors(async () => {
    const info = run();
    out = info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info); // a kernel's output: now owned here
    if (reference) return differsFrom(out, reference, tolerance);
    await readScalar(tf.tidy(() => tf.max(tf.abs(out!)))); // waits for the run (a scalar, not the whole output), so its errors land in the scopes
    return null;
  }, () => out?.dispose());
  if (mismatch) {
    out!.dispose();
    throw new Error(mismatch);
  }
  return out!;
}

async function readScalar(t: tf.Tensor): Promise<number> {
  try {
    return (await t.data())[0];
  } finally {
    t.dispose();
  }
}

/** Why `out` is not `reference` within `tolerance` of reference's largest |value|, or null. */
export async function differsFrom(out: tf.Tensor, reference: tf.Tensor, tolerance: number): Promise<string | null> {
  if (out.shape.join() !== reference.shape.join()) return `output shape [${out.shape}] is not the default's [${reference.shape}]`;
  const d = await readScalar(tf.tidy(() => tf.max(tf.abs(tf.sub(out, reference)))));
  const m = await readScalar(tf.tidy(() => tf.max(tf.abs(reference))));
  const relative = d / Math.max(m, 1e-30);
  return relative <= tolerance ? null : `output differs from the default's by ${relative.toPrecision(3)} of its largest value`;
}
