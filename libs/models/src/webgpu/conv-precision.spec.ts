import { convPrecisionFromEnv, matrixUnitOf, requestSubgroupMatrixFeatures, SUBGROUP_MATRIX_FEATURES } from './conv-precision';
import type { GpuAdapterLike, GpuLike } from './dawn';

const adapter = (features: string[], info: Record<string, unknown> = {}): GpuAdapterLike =>
  ({ features: new Set(features), limits: {}, info } as unknown as GpuAdapterLike);
const F16_F32 = { componentType: 'f16', resultComponentType: 'f32' };

describe('convPrecisionFromEnv', () => {
  it('defaults to f32, accepts f32 / f16 in any case, and names a bad value', () => {
    expect(convPrecisionFromEnv({})).toBe('f32');
    expect(convPrecisionFromEnv({ DET_WEBGPU_CONV_PRECISION: 'F16' })).toBe('f16');
    expect(() => convPrecisionFromEnv({ DET_WEBGPU_CONV_PRECISION: 'tf32' })).toThrow(/DET_WEBGPU_CONV_PRECISION=tf32: expected f32 or f16/);
  });
});

describe('matrixUnitOf', () => {
  it('picks the f16 × f16 → f32 config with the largest K, then M·N, no side over 16, with the subgroup size', () => {
    const nvidiaLike = (configs: object[]) => matrixUnitOf(adapter([...SUBGROUP_MATRIX_FEATURES], { subgroupMaxSize: 32, subgroupMatrixConfigs: configs }));
    const f16Result = { componentType: 'f16', resultComponentType: 'f16', M: 16, N: 16, K: 32 };
    expect(nvidiaLike([{ ...F16_F32, M: 16, N: 8, K: 8 }, { ...F16_F32, M: 16, N: 8, K: 16 }, f16Result, { ...F16_F32, M: 16, N: 16, K: 16 }]))
      .toEqual({ subgroupSize: 32, M: 16, N: 16, K: 16 });
    expect(nvidiaLike([{ ...F16_F32, M: 16, N: 8, K: 8 }, { ...F16_F32, M: 16, N: 8, K: 16 }])).toEqual({ subgroupSize: 32, M: 16, N: 8, K: 16 });
    // nothing within 16: the smallest
    expect(nvidiaLike([{ ...F16_F32, M: 32, N: 32, K: 16 }, { ...F16_F32, M: 32, N: 16, K: 32 }, { ...F16_F32, M: 64, N: 64, K: 64 }]))
      .toEqual({ subgroupSize: 32, M: 32, N: 32, K: 16 });
  });

  it('says why there is none', () => {
    expect(matrixUnitOf(adapter(['shader-f16']))).toBe('the adapter lacks chromium-experimental-subgroup-matrix, subgroups');
    expect(matrixUnitOf(adapter([...SUBGROUP_MATRIX_FEATURES], { subgroupMaxSize: 8, subgroupMatrixConfigs: [{ componentType: 'i8', resultComponentType: 'i32', M: 8, N: 8, K: 8 }] })))
      .toMatch(/no f16 × f16 → f32 subgroup-matrix config/);
    expect(matrixUnitOf(adapter([...SUBGROUP_MATRIX_FEATURES], { subgroupMatrixConfigs: [{ ...F16_F32, M: 8, N: 8, K: 8 }] })))
      .toMatch(/subgroup size/);
  });
});

describe('requestSubgroupMatrixFeatures', () => {
  it('adds the features the adapter has to every requestDevice, keeping the caller\'s', async () => {
    const requested: unknown[] = [];
    const fake = {
      features: new Set(['timestamp-query', 'shader-f16', 'subgroups']),
      limits: {},
      requestDevice: async (d: unknown) => { requested.push(d); return {}; },
    };
    const gpu: GpuLike = { requestAdapter: async () => fake as unknown as GpuAdapterLike };
    requestSubgroupMatrixFeatures(gpu);
    const a = (await gpu.requestAdapter()) as unknown as typeof fake;
    await a.requestDevice({ requiredFeatures: ['timestamp-query', 'subgroups'], requiredLimits: { x: 1 } });
    expect(requested).toEqual([{ requiredFeatures: ['timestamp-query', 'subgroups', 'shader-f16'], requiredLimits: { x: 1 } }]);
  });

  it('passes a missing adapter through', async () => {
    const gpu: GpuLike = { requestAdapter: async () => null };
    requestSubgroupMatrixFeatures(gpu);
    await expect(gpu.requestAdapter()).resolves.toBeNull();
  });
});
