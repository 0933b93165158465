import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rootContainer } from '../di/container';
import { TENSOR_BACKEND } from '../di/tokens';
import { loadedPlugins } from '../plugins/load';

export interface DetEnv {
  node: string;
  os: string;
  cpu: { model: string; cores: number };
  memory: { totalBytes: number; freeBytes: number };
  /** Every `@det/*` package found in node_modules folders above cwd and this package. */
  detPackages: Record<string, string>;
  /** `@tensorflow/tfjs-core` version, or 'not installed'. */
  tfjs: string;
  /** Active tensor backend, or 'not selected'. */
  backend: string;
  sharp: { sharp: string; libvips: string } | 'not installed';
  /** `name@version` of each loaded plugin. */
  plugins: string[];
  extra: Record<string, string>;
}

const searchRoots = () => [process.cwd(), __dirname];

/** node_modules/@det folders from each search root up to the file-system root. */
function detScopeDirs(): string[] {
  const dirs = new Set<string>();
  for (const start of searchRoots()) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const scope = path.join(dir, 'node_modules', '@det');
      if (fs.existsSync(scope)) dirs.add(scope);
      if (path.dirname(dir) === dir) break;
    }
  }
  return [...dirs];
}

function readVersion(packageJson: string): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(packageJson, 'utf8')).version;
  } catch {
    return undefined;
  }
}

function detPackages(): Record<string, string> {
  const found: Record<string, string> = {};
  for (const scope of detScopeDirs()) {
    for (const name of fs.readdirSync(scope).sort()) {
      const version = readVersion(path.join(scope, name, 'package.json'));
      // The nearest install wins, as Node's resolution would pick it.
      if (version && !found[`@det/${name}`]) found[`@det/${name}`] = version;
    }
  }
  return found;
}

/** Resolved from the user's folder first, then from det's install; never a hard dependency. */
function optionalResolve(request: string): string | undefined {
  try {
    return require.resolve(request, { paths: searchRoots() });
  } catch {
    return undefined;
  }
}

function tfjsVersion(): string {
  const pj = optionalResolve('@tensorflow/tfjs-core/package.json');
  return (pj && readVersion(pj)) ?? 'not installed';
}

function sharpVersions(): DetEnv['sharp'] {
  const entry = optionalResolve('sharp');
  if (!entry) return 'not installed';
  try {
    const versions = (require(entry) as { versions?: Record<string, string> }).versions ?? {};
    return { sharp: versions.sharp ?? 'unknown', libvips: versions.vips ?? 'unknown' };
  } catch (err) {
    return { sharp: `failed to load (${(err as Error).message.split('\n')[0]})`, libvips: 'unknown' };
  }
}

function activeBackend(): string {
  if (!rootContainer.isRegistered(TENSOR_BACKEND)) return 'not selected';
  try {
    return rootContainer.resolve(TENSOR_BACKEND).active() ?? 'not selected';
  } catch {
    return 'not selected';
  }
}

/** What `det env` reports: versions and machine facts for bug reports. */
export function collectEnv(options: { extra?: Record<string, string> } = {}): DetEnv {
  const cpus = os.cpus();
  return {
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    cpu: { model: cpus[0]?.model?.trim() ?? 'unknown', cores: cpus.length },
    memory: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
    detPackages: detPackages(),
    tfjs: tfjsVersion(),
    backend: activeBackend(),
    sharp: sharpVersions(),
    plugins: loadedPlugins().map((p) => (p.version ? `${p.name}@${p.version}` : p.name)),
    extra: { ...(options.extra ?? {}) },
  };
}
