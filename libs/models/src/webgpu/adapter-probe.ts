import { installNavigatorGpu } from './dawn';
import { describeAdapter, type WebGpuAdapterInfo } from './adapter-info';

export type WebGpuAvailability = ({ available: true } & WebGpuAdapterInfo) | { available: false; reason: string };

/**
 * For `det env`: which WebGPU adapter this process would get, without selecting the backend or
 * loading tfjs-backend-webgpu. Never throws.
 */
export async function webgpuAdapterInfo(): Promise<WebGpuAvailability> {
  try {
    const adapter = await installNavigatorGpu().gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) {
      const icd = process.env.VK_ICD_FILENAMES;
      return { available: false, reason: `no adapter (VK_ICD_FILENAMES=${icd ?? '<unset>'})` };
    }
    return { available: true, ...describeAdapter(adapter) };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  }
}
