import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { DetError, getLogger } from '@det/registry';
import { type NativeLoad, loadNativeAddon, nativeBuildCommand } from '../kernels/native-addon';
import { NATIVE_BACKEND, registerNativeBackend } from '../kernels/native-backend';
import { registerWasmGradientKernels } from '../kernels/wasm-conv-backprop-filter';
import { registerWasmKernelFixes } from '../kernels/wasm-kernel-fixes';
import { registerCpuResizeNearestGrad } from '../kernels/resize-nearest-grad';
import { registerCpuResizeBilinearGrad } from '../kernels/resize-bilinear-grad';
import { ensureGradients } from './gradients';
import { guardMatMulBroadcast } from './matmul-broadcast-guard';
import { setupWebGpu, type WebGpuSetupOptions } from '../webgpu';
import { type ModuleLoader, isModuleMissing, nodeModuleLoader } from './module-loader';

export const BACKEND_NAMES = ['auto', 'tensorflow', 'native', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface SelectBackendOptions {
  /** Resolves optional modules (default: `require`); tests pass a fake. */
  loader?: ModuleLoader;
  /** Loads the native addon (default: the built libs/models/native addon, honouring DET_NATIVE=0). */
  loadNative?: () => NativeLoad;
  /** Kernel tuning for webgpu (the config's `cudnnBenchmark`); ignored by the other backends. */
  webgpu?: Pick<WebGpuSetupOptions, 'autotune' | 'autotuneCache'>;
}

const TFJS_VERSION = '4.22.0';
const INSTALL_TFJS_NODE = `npm install @tensorflow/tfjs-node@${TFJS_VERSION}`;

/**
 * Selects and initialises a tfjs backend and returns the name tfjs now uses.
 * `auto`: tfjs-node(-gpu) when installed, else the native kernel path, else wasm, else cpu.
 * A backend asked for by name that cannot start is a DetError saying how to get it.
 */
export async function selectBackend(name: string = 'auto', options: SelectBackendOptions = {}): Promise<string> {
  const loader = options.loader ?? nodeModuleLoader;
  const loadNative = options.loadNative ?? (() => loadNativeAddon());
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new DetError(`unknown backend '${name}': use one of ${BACKEND_NAMES.join(', ')}`);
  }
  ensureGradients();
  registerCpuResizeNearestGrad(); // tfjs-backend-cpu's mixes up images when batch > 1 (native copies it)
  registerCpuResizeBilinearGrad(); // tfjs-backend-cpu's swaps height and width, ignores halfPixelCenters
  switch (name as BackendName) {
    case 'tensorflow': return activate(loadTensorflow(loader, true) as string);
    case 'native': return activate(startNative(loadNative, true) as string);
    case 'webgpu': return selectWebgpu(loader, options.webgpu);
    case 'wasm': return activate(loadWasm(loader));
    case 'cpu': return activate('cpu');
    case 'auto': {
      const tensorflow = loadTensorflow(loader, false);
      if (tensorflow) return activate(tensorflow);
      const native = startNative(loadNative, false);
      if (native) return activate(native);
      try {
        return await activate(loadWasm(loader));
      } catch (err) {
        getLogger().warn('wasm backend unavailable, using the slow cpu backend', { reason: (err as Error).message });
        return activate('cpu');
      }
    }
  }
}

async function activate(backend: string): Promise<string> {
  const ok = await tf.setBackend(backend);
  if (!ok) throw new DetError(`tfjs backend '${backend}' failed to initialise`);
  await tf.ready();
  guardMatMulBroadcast(tf.getBackend()); // tfjs's BatchMatMul gets some batch broadcasts wrong
  return tf.getBackend();
}

/** Requires tfjs-node-gpu, else tfjs-node (each registers the 'tensorflow' backend on load). */
function loadTensorflow(loader: ModuleLoader, required: boolean): string | undefined {
  for (const id of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      loader(id);
      return 'tensorflow';
    } catch (err) {
      if (!isModuleMissing(err, id)) {
        const message = `${id} is installed but failed to load: ${(err as Error).message}`;
        if (required) throw new DetError(message);
        // `auto` must still give a working backend: say why tensorflow was skipped and move on.
        getLogger().warn(`${message}; trying the next backend`);
        return undefined;
      }
    }
  }
  if (!required) return undefined;
  throw new DetError(
    `backend 'tensorflow' needs @tensorflow/tfjs-node (or -gpu), which is not installed: run \`${INSTALL_TFJS_NODE}\` ` +
    `(or @tensorflow/tfjs-node-gpu@${TFJS_VERSION} with CUDA); its install downloads libtensorflow, so it needs network access`);
}

function startNative(loadNative: () => NativeLoad, required: boolean): string | undefined {
  const load = loadNative();
  if (load.addon) {
    registerNativeBackend(load.addon);
    return NATIVE_BACKEND;
  }
  if (!required) return undefined;
  throw new DetError(`backend 'native' is unavailable: ${load.reason}. Build it with \`${nativeBuildCommand()}\` ` +
    '(needs g++ and Node headers) or choose --backend wasm');
}

function loadWasm(loader: ModuleLoader): string {
  const id = '@tensorflow/tfjs-backend-wasm';
  try {
    loader(id);
  } catch (err) {
    throw new DetError(`backend 'wasm' needs ${id}: run \`npm install ${id}@${TFJS_VERSION}\` (${(err as Error).message})`);
  }
  registerWasmGradientKernels();
  registerWasmKernelFixes();
  return 'wasm';
}

/**
 * WebGPU in Node: the `webgpu` package (Dawn) provides navigator.gpu, which must exist before
 * @tensorflow/tfjs-backend-webgpu is loaded; without an adapter the selection fails clearly.
 * ../webgpu does all of it (plus det's webgpu kernels and the adapter report).
 */
async function selectWebgpu(loader: ModuleLoader, tuning: SelectBackendOptions['webgpu'] = {}): Promise<string> {
  await setupWebGpu({ ...tuning, loader: loader === nodeModuleLoader ? undefined : loader });
  guardMatMulBroadcast(tf.getBackend());
  return tf.getBackend();
}
