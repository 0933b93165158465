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

/** For the f16 matrix-unit kernels: adapters with Dawn's subgroup matrices (e.g. Mesa 26 lavapipe, NVIDIA). */
export const hasMatrixUnits = hasAdapter && webgpuProbe.subgroupMatrix === true;
export const describeIfMatrixUnits = hasMatrixUnits ? describe : describe.skip;

export function matrixUnitSuite(name: string): string {
  if (hasMatrixUnits) return `${name} [${webgpuProbe.adapter}]`;
  const why = hasAdapter ? `${webgpuProbe.adapter} has no subgroup matrices (Mesa 26 lavapipe does: tools/lavapipe/install-mesa26.sh)` : `no adapter — ${webgpuProbe.reason}`;
  return `${name} (skipped: ${why})`;
}
