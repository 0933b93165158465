import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { DetError, TENSOR_BACKEND, resolveService } from '@det/registry';
import { backendInfo, selectBackend } from './index';  // index also registers the TENSOR_BACKEND default
import { ensureGradients } from './gradients';
import type { ModuleLoader } from './module-loader';
import type { NativeLoad } from '../kernels/native-addon';
import { loadNativeAddon } from '../kernels/native-addon';
import { activeMatrixUnit, kernelTuningEnabled, setKernelTuning, setupWebGpu } from '../webgpu';

/** A loader that knows only `modules`; anything else fails like a missing package. */
function fakeLoader(modules: Record<string, () => unknown>, calls: string[] = []): ModuleLoader {
  return (id) => {
    calls.push(id);
    const make = modules[id];
    if (!make) throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    return make();
  };
}

/** Simulates a tfjs backend package: loading it registers a backend under `name`. */
const registersBackend = (name: string) => () => {
  if (!tf.findBackendFactory(name)) tf.registerBackend(name, () => new MathBackendCPU());
  return {};
};

const noNative = (): NativeLoad => ({ addon: undefined, reason: 'not built (test)' });
const realWasm = { '@tensorflow/tfjs-backend-wasm': () => require('@tensorflow/tfjs-backend-wasm') };

describe('selectBackend', () => {
  beforeAll(() => tf.env().set('IS_TEST', true));
  afterEach(async () => {
    await tf.setBackend('cpu');
    for (const name of ['tensorflow', 'webgpu']) if (tf.findBackendFactory(name)) tf.removeBackend(name);
  });

  it('tensorflow: prefers tfjs-node-gpu, then tfjs-node', async () => {
    const calls: string[] = [];
    await expect(selectBackend('tensorflow', { loader: fakeLoader({ '@tensorflow/tfjs-node': registersBackend('tensorflow') }, calls) }))
      .resolves.toBe('tensorflow');
    expect(calls).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    const gpuCalls: string[] = [];
    await selectBackend('tensorflow', { loader: fakeLoader({ '@tensorflow/tfjs-node-gpu': registersBackend('tensorflow') }, gpuCalls) });
    expect(gpuCalls).toEqual(['@tensorflow/tfjs-node-gpu']);
  });

  it('tensorflow: missing → DetError with the install command', async () => {
    const err = await selectBackend('tensorflow', { loader: fakeLoader({}) }).catch((e) => e);
    expect(err).toBeInstanceOf(DetError);
    expect(err.message).toContain('npm install @tensorflow/tfjs-node@4.22.0');
  });

  it('tensorflow: installed but broken → DetError naming the package, not "not installed"', async () => {
    const loader = fakeLoader({ '@tensorflow/tfjs-node': () => { throw new Error('libtensorflow.so: cannot open shared object'); } });
    await expect(selectBackend('tensorflow', { loader })).rejects.toThrow(/@tensorflow\/tfjs-node is installed but failed to load: libtensorflow/);
  });

  it('auto: a broken tfjs-node is skipped (with a warning), not fatal', async () => {
    const loader = fakeLoader({ '@tensorflow/tfjs-node': () => { throw new Error('GLIBC_2.38 not found'); }, ...realWasm });
    await expect(selectBackend('auto', { loader, loadNative: noNative })).resolves.toBe('wasm');
  });

  it('auto: tensorflow when installed', async () => {
    const loader = fakeLoader({ '@tensorflow/tfjs-node': registersBackend('tensorflow'), ...realWasm });
    await expect(selectBackend('auto', { loader, loadNative: noNative })).resolves.toBe('tensorflow');
  });

  const itNative = process.env.DET_NATIVE === '0' ? it.skip : it;
  itNative('auto: native kernels when tensorflow is missing and the addon loads', async () => {
    const native = loadNativeAddon();
    if (!native.addon) throw new Error(`native addon must be built for this test: ${native.reason}`);
    await expect(selectBackend('auto', { loader: fakeLoader(realWasm), loadNative: () => native })).resolves.toBe('native');
  });

  it('auto: wasm when neither tensorflow nor the native addon is available; wasm can train convs', async () => {
    await expect(selectBackend('auto', { loader: fakeLoader(realWasm), loadNative: noNative })).resolves.toBe('wasm');
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBeDefined();
  });

  it('auto: cpu as the last resort', async () => {
    await expect(selectBackend('auto', { loader: fakeLoader({}), loadNative: noNative })).resolves.toBe('cpu');
  });

  it('native: unavailable → DetError with the reason and how to build', async () => {
    await expect(selectBackend('native', { loadNative: noNative })).rejects.toThrow(/not built \(test\).*node \S*native\/build\.js/);
  });

  it('cpu and unknown names', async () => {
    await expect(selectBackend('cpu')).resolves.toBe('cpu');
    await expect(selectBackend('tpu')).rejects.toThrow(/unknown backend 'tpu': use one of auto, tensorflow, native, webgpu, wasm, cpu/);
  });

  describe('webgpu', () => {
    const hadNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    afterEach(() => {
      if (hadNavigator) Object.defineProperty(globalThis, 'navigator', hadNavigator);
      else delete (globalThis as { navigator?: unknown }).navigator;
    });

    it('installs navigator.gpu before loading tfjs-backend-webgpu', async () => {
      const seen: unknown[] = [];
      const gpu = { requestAdapter: async () => ({ name: 'fake adapter' }) };
      const loader = fakeLoader({
        webgpu: () => ({ create: () => gpu, globals: { GPUBufferUsage: { MAP_READ: 1 } } }),
        '@tensorflow/tfjs-backend-webgpu': () => {
          seen.push((globalThis as unknown as { navigator?: { gpu?: unknown } }).navigator?.gpu);
          return registersBackend('webgpu')();
        },
      });
      await expect(selectBackend('webgpu', { loader })).resolves.toBe('webgpu');
      expect(seen).toEqual([gpu]);
      expect((globalThis as unknown as { GPUBufferUsage: unknown }).GPUBufferUsage).toEqual({ MAP_READ: 1 });
    });

    it('turns kernel tuning on when asked (the config\'s cudnnBenchmark), off by default', async () => {
      const loader = fakeLoader({
        webgpu: () => ({ create: () => ({ requestAdapter: async () => ({ name: 'fake adapter' }) }), globals: {} }),
        '@tensorflow/tfjs-backend-webgpu': registersBackend('webgpu'),
      });
      try {
        await selectBackend('webgpu', { loader, webgpu: { autotune: true } });
        expect(kernelTuningEnabled()).toBe(true);
        await selectBackend('webgpu', { loader });
        expect(kernelTuningEnabled()).toBe(false);
      } finally {
        setKernelTuning(false);
      }
    });

    it('no adapter → DetError, navigator restored, tfjs-backend-webgpu never loaded', async () => {
      const calls: string[] = [];
      const loader = fakeLoader({ webgpu: () => ({ create: () => ({ requestAdapter: async () => null }), globals: {} }) }, calls);
      await expect(selectBackend('webgpu', { loader })).rejects.toThrow(/no WebGPU adapter/);
      expect(calls).toEqual(['webgpu']);
      expect(Object.getOwnPropertyDescriptor(globalThis, 'navigator')).toEqual(hadNavigator);
    });

    it('conv precision f16 without subgroup matrices: Dawn gets the unsafe-API toggles, convolutions stay f32', async () => {
      const flags: string[][] = [];
      const adapter = { features: new Set(['shader-f16']), limits: {}, info: { description: 'fake adapter' } };
      const loader = fakeLoader({
        webgpu: () => ({ create: (f: string[]) => { flags.push(f); return { requestAdapter: async () => adapter }; }, globals: {} }),
        '@tensorflow/tfjs-backend-webgpu': registersBackend('webgpu'),
      });
      const result = await setupWebGpu({ loader, convPrecision: 'f16', dawnFlags: ['enable-dawn-features=foo'] });
      expect(flags).toEqual([['enable-dawn-features=foo,allow_unsafe_apis,use_vulkan_memory_model,vulkan_enable_f16_on_nvidia']]);
      expect(result.convPrecision).toBe('f32');
      expect(result.matrixUnit).toBeUndefined();
      expect(activeMatrixUnit()).toBeNull();
    });

    it('packages missing → DetError with the install command', async () => {
      await expect(selectBackend('webgpu', { loader: fakeLoader({}) })).rejects.toThrow(/npm install webgpu @tensorflow\/tfjs-backend-webgpu@4\.22\.0/);
    });
  });

  it('is the default TENSOR_BACKEND service', async () => {
    const service = resolveService(TENSOR_BACKEND);
    await expect(service.select('cpu')).resolves.toBe('cpu');
    expect(service.active()).toBe('cpu');
  });
});

describe('backendInfo', () => {
  it('describes the active backend for `det env`', async () => {
    await selectBackend('cpu');
    const cpu = await backendInfo();
    expect(cpu).toMatchObject({ name: 'cpu', version: tf.version_core, threads: 1, simd: false, kernels: 'pure JavaScript' });
    const native = loadNativeAddon();
    expect(cpu.native.available).toBe(Boolean(native.addon));
    if (native.addon) {
      await selectBackend('native');
      const info = await backendInfo();
      expect(info).toMatchObject({ name: 'native', threads: native.addon.info().threads, simd: native.addon.info().avx2Fma });
      expect(info.kernels).toMatch(/^native (avx2-fma|generic) gemm/);
      await tf.setBackend('cpu');
    }
  });
});

describe('ensureGradients', () => {
  it('registers tfjs gradients once (no override warnings on repeat calls)', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    ensureGradients();
    ensureGradients();
    expect(tf.getGradient(tf.Conv2D)).toBeDefined();
    expect(tf.getGradient(tf.FusedBatchNorm)).toBeDefined();
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});
