import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

// Runs the real process (exit codes, stdout vs stderr) from the TypeScript sources, so the test
// needs no build: the hook transpiles .ts like jest does, the condition picks each lib's src/.
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const hook = path.join(__dirname, '__fixtures__', 'ts-require-hook.cjs');

function detProcess(...args: string[]) {
  const r = spawnSync(process.execPath, ['--conditions=@det/source', '-r', hook, path.join(__dirname, 'main.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('det as a process', () => {
  it('prints data on stdout and exits 0', () => {
    const r = detProcess('print-config', path.join(__dirname, '__fixtures__', 'configs', 'retina.ts'), '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).model.backbone).toEqual({ type: 'ResNet', depth: 18 });
  });

  it('reports a config error on stderr only, exit code 1, no stack', () => {
    const r = detProcess('print-config', 'no/such/config.ts');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(`det: error: config file not found: ${path.join(repoRoot, 'no/such/config.ts')}\n(run with --debug for the stack trace)\n`);
  });
});

describe('ES-module plugins', () => {
  it('loads an .mjs plugin (import() where require() cannot)', () => {
    const r = detProcess('list', 'neck', '--plugin', path.join(__dirname, '__fixtures__', 'esm-plugin.mjs'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}EsmNeck\s+esm-plugin$/m);
  });
});
