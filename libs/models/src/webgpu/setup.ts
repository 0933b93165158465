import * as tf from '@tensorflow/tfjs-core';
import { DetError, getLogger } from '@det/registry';
import { INSTALL_WEBGPU, installNavigatorGpu, type GpuAdapterLike, type ModuleLoader } from './dawn';
import { describeAdapter, type WebGpuAdapterInfo } from './adapter-info';
import { registerWebGpuKernels } from './kernels/register';
import { registerReduceGradients } from '../backend/reduce-gradients';
import { installWriteBufferUploads } from './write-buffer-uploads';
import { installLeanDispatch } from './lean-dispatch';
import { installOldestFirstBufferPool } from './buffer-pool';
import { registerReluGradient } from '../backend/relu-gradient';
import { registerConvGradient } from '../backend/conv-gradient';
import { guardSyncReads } from './sync-read-guard';
import { setKernelTuning } from './tuning/kernel-tuner';
import { useTuningCache } from './tuning/tune-between-steps';
import { tuningCacheSection } from './tuning/tuning-cache';
import { checkMatrixUnits } from './matrix-unit-check';
import { watchDeviceErrors, type ErrorReportingDevice } from './device-errors';
import { installShaderHooks } from './shader-hooks';
import {
  convPrecisionFromEnv, matrixUnitOf, requestSubgroupMatrixFeatures, setActiveMatrixUnit,
  SUBGROUP_MATRIX_DAWN_FLAGS, SUBGROUP_MATRIX_FEATURES, type ConvPrecision,
} from './conv-precision';
import type { MatrixUnit } from './kernels/subgroup-matrix-wgsl';

/** DET_WEBGPU_AUTOTUNE=1|true|on turns kernel tuning on (WebGpuSetupOptions.autotune). */
export function autotuneFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|on|yes)$/i.test(env.DET_WEBGPU_AUTOTUNE ?? '');
}

export interface WebGpuSetupOptions {
  /** Passed to navigator.gpu.requestAdapter; tfjs itself asks for 'high-performance'. */
  powerPreference?: 'high-performance' | 'low-power';
  /** Register det's kernel replacements (default true; false only to compare with stock tfjs). */
  detKernels?: boolean;
  /**
   * Time the convolution variants per shape during training and keep the fastest, like
   * `torch.backends.cudnn.benchmark` (default: env DET_WEBGPU_AUTOTUNE=1, else off). Each new
   * shape bucket costs one timing pass after the step that first met it.
   */
  autotune?: boolean;
  /**
   * A JSON file of tuned choices per adapter (default: env DET_WEBGPU_AUTOTUNE_CACHE): its
   * choices for this adapter are used from the start, and each tuning pass is saved to it.
   */
  autotuneCache?: string;
  /**
   * 'f16' lets convolutions run on the GPU's matrix units (tensor cores) with f16 operands and f32
   * accumulation, where the adapter offers Dawn's subgroup matrices (conv-precision.ts); default:
   * env DET_WEBGPU_CONV_PRECISION, else 'f32'. Turns on Dawn's unsafe (experimental) APIs.
   */
  convPrecision?: ConvPrecision;
  /** Extra Dawn toggles for `create()`, e.g. ['enable-dawn-features=allow_unsafe_apis']. */
  dawnFlags?: string[];
  /** Resolves 'webgpu' and '@tensorflow/tfjs-backend-webgpu' (default: require). Given a loader,
   *  the result is not cached (tests fake the packages). */
  loader?: ModuleLoader;
}

export interface WebGpuSetupResult extends WebGpuAdapterInfo {
  backend: 'webgpu';
  /** Kernels and flags det installed on top of tfjs-backend-webgpu. */
  detKernels: string[];
  /** Whether per-shape kernel tuning is on (WebGpuSetupOptions.autotune). */
  autotune: boolean;
  /** 'f16' only where it was asked for and the device has f16 matrix units. */
  convPrecision: ConvPrecision;
  /** The subgroup-matrix shape f16 convs use, when convPrecision is 'f16'. */
  matrixUnit?: MatrixUnit;
  /** Why conv precision f16 was asked for but convolutions stay f32 (also logged as a warning). */
  convPrecisionFallback?: string;
}

/** Adds Dawn toggles to the caller's, merging `enable-dawn-features=` lists. */
function withDawnFlags(flags: string[], extra: string[]): string[] {
  const out = [...flags];
  for (const flag of extra) {
    const [key, value] = flag.split('=');
    const at = out.findIndex((f) => f.startsWith(`${key}=`));
    if (at < 0) out.push(flag);
    else out[at] = `${out[at]},${value}`;
  }
  return out;
}

let pending: Promise<WebGpuSetupResult> | undefined;

/**
 * Makes `webgpu` the active tfjs backend: installs `navigator.gpu` from the `webgpu` package,
 * finds an adapter (or says how to get one), loads tfjs-backend-webgpu, registers det's kernels
 * and calls `tf.setBackend('webgpu')`. Idempotent: later calls return the first result (and
 * re-select webgpu if another backend was set in between); options take effect on the first call.
 */
export async function setupWebGpu(options: WebGpuSetupOptions = {}): Promise<WebGpuSetupResult> {
  if (options.loader) return doSetup(options);
  // A cached result is only good while the backend it set up is still registered.
  if (pending && !tf.findBackendFactory('webgpu')) pending = undefined;
  if (!pending) {
    pending = doSetup(options);
    pending.catch(() => { pending = undefined; }); // a failed attempt may be retried after a fix
  }
  const result = await pending;
  if (tf.getBackend() !== 'webgpu') await tf.setBackend('webgpu');
  return result;
}

async function doSetup(options: WebGpuSetupOptions): Promise<WebGpuSetupResult> {
  const wantF16 = options.detKernels !== false && (options.convPrecision ?? convPrecisionFromEnv()) === 'f16';
  const flags = wantF16 ? withDawnFlags(options.dawnFlags ?? [], SUBGROUP_MATRIX_DAWN_FLAGS) : options.dawnFlags ?? [];
  const { gpu, uninstall } = installNavigatorGpu(flags, options.loader);
  if (wantF16) requestSubgroupMatrixFeatures(gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) {
    uninstall();
    throw noAdapterError();
  }
  const info = describeAdapter(adapter as GpuAdapterLike);

  try {
    loadTfjsWebGpu(options.loader);
  } catch (err) {
    uninstall();
    throw err;
  }
  const detKernels = options.detKernels === false ? [] : registerWebGpuKernels();
  if (options.detKernels !== false) {
    registerReduceGradients(); // no host-side ones() in Sum/Mean backward
    registerReluGradient(); // dy·step(x): one DetReluGrad dispatch
    registerConvGradient(); // conv precision f16: dY's scale computed once for both conv gradients
  }
  const ok = await tf.setBackend('webgpu');
  if (!ok) {
    throw new DetError(
      `tf.setBackend('webgpu') failed on adapter "${info.adapter}" (see the error tfjs logged above). ` +
        'Try another backend with --backend wasm|cpu.',
    );
  }
  await tf.ready();
  guardSyncReads(tf.backend());
  // (a backend faked in specs may have no device)
  const device = (tf.backend() as unknown as { device?: WebGpuDeviceLike }).device;
  if (typeof device?.addEventListener === 'function') watchDeviceErrors(device as ErrorReportingDevice, info.adapter); // failures stop training, not just print
  let matrixUnit: MatrixUnit | undefined;
  let fallback: string | undefined;
  setActiveMatrixUnit(null); // f32 unless enableMatrixUnits turns f16 on
  if (options.detKernels !== false) {
    if (device?.createShaderModule) installShaderHooks(device); // `enable` directives, subgroup ids, extra outputs of det's kernels
    installOldestFirstBufferPool(tf.backend()); // same buffers each step: bind groups can be cached
    installWriteBufferUploads(tf.backend());
    installLeanDispatch(tf.backend()); // uniform arena + cached bind groups
    if (wantF16) ({ matrixUnit, fallback } = await enableMatrixUnits(adapter as GpuAdapterLike, device));
  }
  if (fallback) getLogger().warn(`webgpu conv precision f16 asked for, but ${fallback}: convolutions stay f32`);
  const autotune = options.detKernels !== false && (options.autotune ?? autotuneFromEnv());
  setKernelTuning(autotune);
  const cacheFile = options.detKernels === false ? undefined : options.autotuneCache ?? process.env.DET_WEBGPU_AUTOTUNE_CACHE;
  if (cacheFile) {
    const section = tuningCacheSection(info.adapter, matrixUnit ?? null);
    const loaded = useTuningCache(cacheFile, section);
    getLogger().info(`webgpu kernel tuning cache ${cacheFile}: ${loaded} choice(s) for "${section}"`);
  }
  if (info.software) {
    getLogger().warn('webgpu runs on a software Vulkan device: results are correct but speed is CPU speed', {
      adapter: info.adapter,
    });
  }
  if (matrixUnit) getLogger().info('webgpu conv precision f16: convolutions may use subgroup matrices (f16 operands, f32 sums; checked against f32 on this device)', { ...matrixUnit });
  return {
    ...info, backend: 'webgpu', detKernels, autotune, convPrecision: matrixUnit ? 'f16' : 'f32',
    ...(matrixUnit ? { matrixUnit } : {}), ...(fallback ? { convPrecisionFallback: fallback } : {}),
  };
}

type WebGpuDeviceLike = Partial<ErrorReportingDevice> & Parameters<typeof installShaderHooks>[0] & { features?: { has(f: string): boolean } };

/**
 * Conv precision f16: the adapter's matrix unit, made active once det's kernels on it pass their
 * check on this device (run on the dispatch path training uses); otherwise why not.
 */
async function enableMatrixUnits(adapter: GpuAdapterLike, device: WebGpuDeviceLike | undefined): Promise<{ matrixUnit?: MatrixUnit; fallback?: string }> {
  const unit = matrixUnitOf(adapter);
  if (typeof unit === 'string') return { fallback: unit };
  if (!SUBGROUP_MATRIX_FEATURES.every((f) => device?.features?.has(f))) return { fallback: 'the device was created without the subgroup-matrix features' };
  setActiveMatrixUnit(unit);
  // a driver that rejects or miscompiles the matrix-unit kernels must not train silently wrong
  const problem = await checkMatrixUnits();
  if (!problem) return { matrixUnit: unit };
  setActiveMatrixUnit(null);
  return { fallback: `det's f16 kernels failed their check on this adapter (${problem})` };
}

/** tfjs-backend-webgpu registers 'webgpu' at import time, and only if navigator.gpu exists then. */
function loadTfjsWebGpu(loader?: ModuleLoader): void {
  try {
    if (loader) loader('@tensorflow/tfjs-backend-webgpu');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    else require('@tensorflow/tfjs-backend-webgpu');
  } catch (err) {
    throw new DetError(
      `backend 'webgpu' needs @tensorflow/tfjs-backend-webgpu (4.22.0, the tfjs-core version): run \`${INSTALL_WEBGPU}\` (${(err as Error).message})`,
      { cause: err },
    );
  }
  if (!tf.findBackendFactory('webgpu')) {
    throw new DetError(
      '@tensorflow/tfjs-backend-webgpu was imported before navigator.gpu existed, so it did not register the ' +
        "'webgpu' backend. Call setupWebGpu() (or select --backend webgpu) before anything imports it.",
    );
  }
}

export function noAdapterError(): DetError {
  const icd = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  const tried = icd ? `VK_ICD_FILENAMES=${icd}` : 'the system Vulkan drivers (VK_ICD_FILENAMES is not set)';
  return new DetError(
    `backend 'webgpu': no WebGPU adapter found (Dawn/Vulkan tried ${tried}). ` +
      'On a GPU machine install the vendor Vulkan driver (NVIDIA: libnvidia-gl / nvidia_icd.json; see ' +
      '../shared/gpu-kit for a bare machine). Without a GPU, install the software device: ' +
      '`tools/lavapipe/install.sh && source .tmp/lavapipe/env.sh` (Mesa 25 lavapipe; correct but CPU-speed). ' +
      'Or pick --backend wasm|cpu.',
    { vkIcdFilenames: icd ?? null },
  );
}
