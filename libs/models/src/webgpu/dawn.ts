import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { DetError } from '@det/registry';

/** The subset of the WebGPU API det touches; the `webgpu` package's own types stay optional. */
export interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  features: { has(name: string): boolean };
  limits: Record<string, number>;
}
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

// Node's own require, not the caller's: `webgpu` is an ES module, which Node 20.19+ can
// require() but jest's module registry cannot; its native dawn.node must also load only once.
const nodeRequire = createRequire(__filename);
let dawn: DawnModule | undefined;

function requireDawn(): DawnModule {
  try {
    return nodeRequire('webgpu') as DawnModule;
  } catch (err) {
    // Under jest (and Node < 20.19) the ES-module entry cannot be require()d; its only job is to
    // pick the platform's prebuilt addon, so load that directly.
    const entry = nodeRequire.resolve('webgpu');
    const arch = process.platform === 'darwin' ? 'universal' : process.arch;
    const addon = path.join(path.dirname(entry), 'dist', `${process.platform}-${arch}`, 'dawn.node');
    if (!fs.existsSync(addon)) throw err;
    return nodeRequire(addon) as DawnModule;
  }
}

/** Resolves an optional module by id (`require` by default; tests inject fakes). */
export type ModuleLoader = (id: string) => unknown;

export const INSTALL_WEBGPU = 'npm install webgpu @tensorflow/tfjs-backend-webgpu@4.22.0';

/** Loads the `webgpu` package (Dawn for Node), or says how to get it. */
export function loadDawn(loader?: ModuleLoader): DawnModule {
  if (dawn && !loader) return dawn;
  try {
    const loaded = loader ? (loader('webgpu') as DawnModule) : requireDawn();
    if (!loader) dawn = loaded;
    return loaded;
  } catch (err) {
    throw new DetError(
      `backend 'webgpu' needs the optional npm packages "webgpu" (Dawn for Node) and @tensorflow/tfjs-backend-webgpu: ` +
        `run \`${INSTALL_WEBGPU}\` (${(err as Error).message})`,
      { cause: err },
    );
  }
}

/**
 * Installs the WebGPU globals (GPUBufferUsage, …) and `navigator.gpu` once. tfjs-backend-webgpu
 * registers its backend only if `navigator.gpu` exists when it is first imported, so this must
 * run before that import.
 */
export function installNavigatorGpu(flags: string[] = [], loader?: ModuleLoader): { gpu: GpuLike; uninstall: () => void } {
  const g = globalThis as unknown as { navigator?: { gpu?: GpuLike } };
  if (g.navigator?.gpu) return { gpu: g.navigator.gpu, uninstall: () => undefined };
  const { create, globals } = loadDawn(loader);
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  for (const [name, value] of Object.entries(globals)) {
    if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  }
  const gpu = create(flags);
  // Node 21+ has a read-only `navigator`; define the property rather than assigning.
  const hadNavigator = g.navigator !== undefined;
  const nav = g.navigator ?? {};
  Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, enumerable: true });
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
  // Undo for a failed setup, so a later attempt (or another backend) sees the original state.
  const uninstall = () => {
    if (!hadNavigator) {
      if (previous) Object.defineProperty(globalThis, 'navigator', previous);
      else delete g.navigator;
    } else delete (nav as { gpu?: unknown }).gpu;
  };
  return { gpu, uninstall };
}
