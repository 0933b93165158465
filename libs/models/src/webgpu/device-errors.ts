import { DetError } from '@det/registry';

interface UncapturedErrorEvent { error?: { message?: string } }
/** The parts of a GPUDevice the watch uses. */
export interface ErrorReportingDevice {
  addEventListener(type: 'uncapturederror', listener: (event: UncapturedErrorEvent) => void): void;
  lost?: Promise<{ reason?: string; message?: string }>;
}

let adapterName = '';
let firstError: string | null = null;
let errorCount = 0;
let lostMessage: string | null = null;

/**
 * Records the WebGPU errors nobody captured and the device's loss. Dawn reports a pipeline its
 * driver rejects, or an invalid dispatch, only as an event (and a console line) and drops the
 * command: its output is stale memory and training would go on with wrong numbers.
 * throwIfWebGpuFailed turns the record into an error at the next await point of a step.
 */
export function watchDeviceErrors(device: ErrorReportingDevice, adapter: string): void {
  adapterName = adapter;
  firstError = null;
  errorCount = 0;
  lostMessage = null;
  device.addEventListener('uncapturederror', (event) => {
    errorCount++;
    firstError ??= event.error?.message ?? String(event.error);
  });
  void device.lost?.then((info) => {
    // 'destroyed': det (or tfjs) destroyed the device on purpose
    if (info.reason !== 'destroyed') lostMessage = `${info.reason ?? 'unknown'}: ${info.message ?? ''}`.trim();
  });
}

/**
 * Throws a DetError if the watched device reported an error or was lost since the last call
 * (each failure is reported once). A no-op where no device is watched (other backends).
 */
export function throwIfWebGpuFailed(): void {
  if (lostMessage) {
    const message = lostMessage;
    lostMessage = null;
    throw new DetError(`the WebGPU device on "${adapterName}" was lost (${message}); the run cannot continue on it. Restart it (--resume auto picks up the last checkpoint), or use --backend native|wasm.`);
  }
  if (!firstError) return;
  const message = firstError;
  const more = errorCount > 1 ? ` (and ${errorCount - 1} more)` : '';
  firstError = null;
  errorCount = 0;
  throw new DetError(
    `WebGPU error on "${adapterName}"${more}: ${message}\nDawn drops a command that fails like this, so the results since are wrong; stopping here. ` +
      'Please report it with the output of `det env`; --backend native|wasm runs without WebGPU.',
  );
}
