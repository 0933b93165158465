import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SUBGROUP_MATRIX_DAWN_FLAGS } from '../conv-precision';

/** Result of probing for a WebGPU adapter in a child process (so a hang cannot stall jest). */
export interface WebGpuProbe {
  available: boolean;
  adapter?: string;
  reason?: string;
  /** Whether the adapter offers Dawn's subgroup matrices (f16 conv kernels; conv-precision.ts). */
  subgroupMatrix?: boolean;
}

const ENV_KEY = 'DET_WEBGPU_PROBE';
const PROBE_TIMEOUT_MS = 30_000;

// Runs in a bare `node -e`: load Dawn, ask for an adapter, print one JSON line, exit hard
// (Dawn's threads can keep a process alive).
const PROBE_SCRIPT = `
const done = (r) => { process.stdout.write(JSON.stringify(r) + '\\n'); process.exit(0); };
try {
  const { create, globals } = require('webgpu');
  Object.assign(globalThis, globals);
  // the toggles setupWebGpu adds for conv precision f16, so the probe sees what that setup would
  create(${JSON.stringify(SUBGROUP_MATRIX_DAWN_FLAGS)}).requestAdapter({ powerPreference: 'high-performance' }).then((a) => {
    if (!a) return done({ available: false, reason: 'no adapter (VK_ICD_FILENAMES=' + (process.env.VK_ICD_FILENAMES || '<unset>') + ')' });
    const i = a.info || {};
    const subgroupMatrix = ['chromium-experimental-subgroup-matrix', 'shader-f16', 'subgroups'].every((f) => a.features.has(f));
    done({ available: true, adapter: i.description || i.device || i.vendor || 'unknown', subgroupMatrix });
  }, (e) => done({ available: false, reason: String(e && e.message || e) }));
} catch (e) { done({ available: false, reason: 'webgpu package not loadable: ' + (e && e.message || e) }); }
`;

function repoRoot(): string {
  return path.resolve(__dirname, '../../../../..');
}

/**
 * Where no Vulkan driver is configured but `tools/lavapipe/install.sh` has been run in this
 * checkout, use its software device, so a developer who installed it gets the webgpu specs.
 * Only jest's globalSetup may call this: inside a test file process.env is jest's copy, which
 * Dawn (native code, reading the real environment) would not see.
 */
export function useLocalLavapipeIfInstalled(): void {
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return;
  const icd = path.join(repoRoot(), '.tmp/lavapipe/lvp_icd.x86_64.json');
  if (fs.existsSync(icd)) process.env.VK_ICD_FILENAMES = icd;
}

/**
 * Probes once per process tree: the result is cached in process.env (jest's globalSetup runs this
 * in the parent, so workers inherit it). `DET_WEBGPU=0` forces "unavailable".
 */
export function probeWebGpuSync(): WebGpuProbe {
  if (process.env.DET_WEBGPU === '0') return { available: false, reason: 'DET_WEBGPU=0' };
  const cached = process.env[ENV_KEY];
  if (cached) return JSON.parse(cached) as WebGpuProbe;
  const child = spawnSync(process.execPath, ['-e', PROBE_SCRIPT], {
    cwd: repoRoot(),
    env: process.env,
    encoding: 'utf8',
    timeout: PROBE_TIMEOUT_MS,
  });
  let probe: WebGpuProbe;
  const line = (child.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    probe = JSON.parse(line) as WebGpuProbe;
  } catch {
    probe = { available: false, reason: child.error ? child.error.message : `probe exited ${child.status}: ${(child.stderr ?? '').slice(-300)}` };
  }
  process.env[ENV_KEY] = JSON.stringify(probe);
  return probe;
}
