import * as os from 'node:os';
import * as path from 'node:path';
import { TENSOR_BACKEND, collectEnv, formatEnv, loadPlugins, rootContainer } from '../index';

describe('collectEnv', () => {
  it('reports node, machine, det packages, tfjs and sharp versions', () => {
    const env = collectEnv({ extra: { 'Work dir': '/tmp/x' } });
    expect(env.node).toBe(process.version);
    expect(env.cpu.cores).toBe(os.cpus().length);
    expect(env.memory.totalBytes).toBe(os.totalmem());
    expect(env.detPackages['@det/registry']).toBe(require('../../package.json').version);
    expect(Object.keys(env.detPackages)).toEqual(expect.arrayContaining(['@det/data', '@det/models', '@det/runner', '@det/hooks', '@det/cli']));
    expect(env.tfjs).toBe(require('@tensorflow/tfjs-core/package.json').version);
    const sharp = require('sharp').versions;
    expect(env.sharp).toEqual({ sharp: sharp.sharp, libvips: sharp.vips });
    expect(env.extra).toEqual({ 'Work dir': '/tmp/x' });
  });

  it('reports the selected backend from the TENSOR_BACKEND service, and loaded plugins', async () => {
    expect(collectEnv().backend).toBe('not selected');
    let active: string | undefined;
    rootContainer.register(TENSOR_BACKEND, { useValue: { select: async (n: string) => (active = n), active: () => active } });
    expect(collectEnv().backend).toBe('not selected');
    active = 'wasm';
    expect(collectEnv().backend).toBe('wasm');
    await loadPlugins(['./yolo-head'], { cwd: path.join(__dirname, '..', 'plugins', '__fixtures__') });
    expect(collectEnv().plugins).toEqual(['@org/yolo-head@0.2.0']);
  });
});

describe('formatEnv', () => {
  it('prints one aligned line per fact', () => {
    const lines = formatEnv({
      node: 'v20.0.0',
      os: 'Linux 6 (x64)',
      cpu: { model: 'EPYC', cores: 2 },
      memory: { totalBytes: 24 * 2 ** 30, freeBytes: 2 ** 29 },
      detPackages: { '@det/registry': '0.1.0' },
      tfjs: '4.22.0',
      backend: 'not selected',
      sharp: 'not installed',
      plugins: [],
      extra: {},
    });
    expect(lines).toEqual([
      'Node           v20.0.0',
      'OS             Linux 6 (x64)',
      'CPU            EPYC (2 cores)',
      'Memory         24.0 GiB total, 0.5 GiB free',
      '@det/registry  0.1.0',
      'tfjs-core      4.22.0',
      'Backend        not selected',
      'sharp          not installed',
      'libvips        not installed',
      'Plugins        (none)',
    ]);
  });
});
