import * as tf from '@tensorflow/tfjs-core';

/** Device milliseconds of one `run()` (its output is released). */
export type DeviceTimer = (run: () => tf.TensorInfo) => Promise<number>;

interface TimedBackend {
  supportTimestampQuery?: boolean;
  submitQueue?(): void;
  device?: { queue: { onSubmittedWorkDone(): Promise<void> } };
}

function release(out: tf.TensorInfo | undefined): void {
  if (!out) return;
  if (out instanceof tf.Tensor) out.dispose();
  else tf.backend().disposeData(out.dataId);
}

/** Waits until the GPU has run everything recorded so far (a no-op off webgpu). */
async function drain(backend: TimedBackend): Promise<void> {
  backend.submitQueue?.();
  await backend.device?.queue.onSubmittedWorkDone();
}

/**
 * GPU time from timestamp queries (tf.time's kernelMs: the sum over the run's dispatches, no host
 * time and no read-back) where the adapter has them; else wall time from an idle queue to the
 * run's completion, which includes recording it on the host.
 */
export const timeOnDevice: DeviceTimer = async (run) => {
  const backend = tf.backend() as unknown as TimedBackend;
  let out: tf.TensorInfo | undefined;
  try {
    if (backend.supportTimestampQuery) {
      const info = await tf.time(() => { out = run(); });
      const ms = Number(info.kernelMs);
      if (!Number.isFinite(ms)) throw new Error(`timestamp queries gave no kernel time (${String(info.kernelMs)})`);
      return ms;
    }
    await drain(backend);
    const start = performance.now();
    out = run();
    await drain(backend);
    return performance.now() - start;
  } finally {
    release(out);
  }
};
