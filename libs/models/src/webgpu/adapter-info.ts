import type { GpuAdapterLike } from './dawn';

/** What `det env` and `setupWebGpu` report about the WebGPU adapter. */
export interface WebGpuAdapterInfo {
  /** One-line name, e.g. `nvidia-h200 (nvidia, hopper)` or `llvmpipe (LLVM 19.1.7, 256 bits) (mesa, lavapipe)`. */
  adapter: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for a CPU-emulated Vulkan device (lavapipe/llvmpipe/SwiftShader): correct, but not GPU speed. */
  software: boolean;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeWorkgroupsPerDimension: number;
  features: string[];
}

const SOFTWARE_DEVICES = /llvmpipe|lavapipe|swiftshader|software/i;

export function describeAdapter(adapter: GpuAdapterLike): WebGpuAdapterInfo {
  const info = adapter.info ?? {};
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const device = info.device ?? '';
  const description = info.description ?? '';
  const name = description || device || vendor || 'unknown adapter';
  const extra = [vendor, architecture].filter((s) => s && !name.includes(s)).join(', ');
  const features: string[] = [];
  for (const f of (adapter.features ?? []) as unknown as Iterable<string>) features.push(f);
  const limits = adapter.limits ?? {};
  return {
    adapter: extra ? `${name} (${extra})` : name,
    vendor,
    architecture,
    device,
    description,
    software: SOFTWARE_DEVICES.test(`${vendor} ${architecture} ${device} ${description}`),
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
    maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
    features: features.sort(),
  };
}
