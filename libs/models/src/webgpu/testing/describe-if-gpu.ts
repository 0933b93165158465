import { probeWebGpuSync } from './adapter-probe-sync';

/**
 * The one switch for webgpu specs: where a WebGPU adapter exists (a GPU, or lavapipe via
 * VK_ICD_FILENAMES / tools/lavapipe) they run; elsewhere they are reported as skipped, with the
 * reason in the suite name.
 */
export const webgpuProbe = probeWebGpuSync();
export const hasAdapter = webgpuProbe.available;
export const describeIfGpu = hasAdapter ? describe : describe.skip;

export function gpuSuite(name: string): string {
  return hasAdapter ? `${name} [${webgpuProbe.adapter}]` : `${name} (skipped: no adapter — ${webgpuProbe.reason})`;
}
