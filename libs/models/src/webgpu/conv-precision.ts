import { DetError } from '@det/registry';
import type { GpuAdapterLike, GpuLike } from './dawn';
import type { MatrixUnit } from './kernels/subgroup-matrix-wgsl';

/**
 * What convolutions may multiply in. 'f32' (the default): f32 throughout. 'f16': where the device
 * has matrix units reachable from WebGPU (Dawn's subgroup matrices: tensor cores through
 * VK_KHR_cooperative_matrix), det's conv GEMMs round their staged operands to f16 and accumulate
 * in f32, the way cuDNN's TF32 convolutions (PyTorch's default) trade mantissa bits for speed.
 */
export type ConvPrecision = 'f32' | 'f16';

export const SUBGROUP_MATRIX_FEATURES = ['chromium-experimental-subgroup-matrix', 'shader-f16', 'subgroups'] as const;
/**
 * Dawn exposes its experimental features only with unsafe APIs allowed; cooperative matrices need
 * the Vulkan memory model; and on NVIDIA's Vulkan driver Dawn withholds `shader-f16` (which the f16
 * tiles need) unless `vulkan_enable_f16_on_nvidia` is on (crbug.com/42251215: f16 conformance
 * failures, not a hardware gap).
 */
export const SUBGROUP_MATRIX_DAWN_FLAGS = ['enable-dawn-features=allow_unsafe_apis,use_vulkan_memory_model,vulkan_enable_f16_on_nvidia'];

/** DET_WEBGPU_CONV_PRECISION=f16 asks for f16 matrix units (WebGpuSetupOptions.convPrecision). */
export function convPrecisionFromEnv(env: NodeJS.ProcessEnv = process.env): ConvPrecision {
  const value = (env.DET_WEBGPU_CONV_PRECISION ?? 'f32').toLowerCase();
  if (value === 'f32' || value === 'f16') return value;
  throw new DetError(`DET_WEBGPU_CONV_PRECISION=${env.DET_WEBGPU_CONV_PRECISION}: expected f32 or f16`);
}

interface SubgroupMatrixConfig { componentType?: string; resultComponentType?: string; M?: number; N?: number; K?: number }
type AdapterWithMatrices = GpuAdapterLike & {
  info?: GpuAdapterLike['info'] & { subgroupMinSize?: number; subgroupMaxSize?: number; subgroupMatrixConfigs?: SubgroupMatrixConfig[] };
};

/**
 * The f16 × f16 → f32 matrix shape det's kernels use on this adapter, or why there is none. Of the
 * configs no side of which exceeds 16 (det's tilings give each subgroup blocks of 16 or 32 and
 * stage K in steps of 32), the one with the largest K, then the largest M·N: NVIDIA lists 16×16×16,
 * 16×8×16 and 16×8×8, and its tensor cores multiply 16×8×16 per instruction, so K = 8 would take
 * twice the instructions for the same product. Otherwise the smallest config.
 */
export function matrixUnitOf(adapter: GpuAdapterLike): MatrixUnit | string {
  const missing = SUBGROUP_MATRIX_FEATURES.filter((f) => !adapter.features?.has(f));
  if (missing.length) return `the adapter lacks ${missing.join(', ')}`;
  const info = (adapter as AdapterWithMatrices).info ?? {};
  const configs = (info.subgroupMatrixConfigs ?? []).filter((c) => c.componentType === 'f16' && c.resultComponentType === 'f32');
  if (!configs.length) return 'the adapter offers no f16 × f16 → f32 subgroup-matrix config';
  const fits = configs.filter((c) => c.M! <= 16 && c.N! <= 16 && c.K! <= 16);
  const best = fits.length
    ? [...fits].sort((a, b) => b.K! - a.K! || b.M! * b.N! - a.M! * a.N!)[0]
    : [...configs].sort((a, b) => a.M! * a.N! * a.K! - b.M! * b.N! * b.K!)[0];
  const subgroupSize = info.subgroupMaxSize ?? 0;
  if (!subgroupSize) return 'the adapter does not report its subgroup size';
  return { subgroupSize, M: best.M!, N: best.N!, K: best.K! };
}

let unit: MatrixUnit | null = null;

/** The matrix unit f16 conv kernels may use, or null (convPrecision 'f32', or none on the device). */
export function activeMatrixUnit(): MatrixUnit | null {
  return unit;
}

export function setActiveMatrixUnit(next: MatrixUnit | null): void {
  unit = next;
}

/**
 * Makes every device requested from `gpu` ask for the subgroup-matrix features its adapter has
 * (tfjs requests its device itself, with only timestamp queries).
 */
export function requestSubgroupMatrixFeatures(gpu: GpuLike): void {
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  gpu.requestAdapter = async (options) => {
    const adapter = (await requestAdapter(options)) as (GpuAdapterLike & { requestDevice?: (d?: { requiredFeatures?: string[] }) => Promise<unknown> }) | null;
    if (!adapter?.requestDevice) return adapter;
    const requestDevice = adapter.requestDevice.bind(adapter);
    adapter.requestDevice = (descriptor = {}) => {
      const wanted = SUBGROUP_MATRIX_FEATURES.filter((f) => adapter.features.has(f) && !descriptor.requiredFeatures?.includes(f));
      return requestDevice({ ...descriptor, requiredFeatures: [...(descriptor.requiredFeatures ?? []), ...wanted] });
    };
    return adapter;
  };
}
