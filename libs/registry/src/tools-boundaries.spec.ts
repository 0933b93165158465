import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Tests tools/check-boundaries.cjs (it lives outside any package, so its spec sits here).
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const script = path.join(repoRoot, 'tools', 'check-boundaries.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkBoundaries, formatViolations } = require(script) as {
  checkBoundaries(o: { root?: string; architecture?: string }): {
    violations: { file: string; line: number; importer: string; imported: string; rule: string }[];
    projects: { name: string }[];
  };
  formatViolations(v: unknown[]): string;
};

/**
 * A temp copy of the small fake workspace in tools/__fixtures__, one level down inside its own
 * temp folder so the script's `../shared/ARCHITECTURE.md` fallback never finds a real file.
 */
function fakeWorkspace(): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'det-boundaries-')), 'repo');
  fs.cpSync(path.join(repoRoot, 'tools', '__fixtures__', 'boundaries-workspace'), dir, { recursive: true });
  return dir;
}

/** Quoted module name; planted lines are built with it so this spec's own text holds no import. */
const q = (name: string) => `'${name}'`;

function plant(root: string, file: string, line: string): void {
  const full = path.join(root, file);
  fs.writeFileSync(full, `${line}\n${fs.readFileSync(full, 'utf8')}`);
}

describe('tools/check-boundaries.cjs', () => {
  const temps: string[] = [];
  afterAll(() => temps.forEach((d) => fs.rmSync(path.dirname(d), { recursive: true, force: true })));

  it('passes on the real tree', () => {
    const { violations, projects } = checkBoundaries({ root: repoRoot });
    expect(formatViolations(violations)).toBe('');
    expect(projects.map((p) => p.name)).toEqual(expect.arrayContaining(['@det/registry', '@det/data', '@det/models', '@det/runner', '@det/hooks', '@det/cli']));
  });

  it('passes on the clean fake workspace (allowed imports, commented-out ones ignored)', () => {
    const root = fakeWorkspace();
    temps.push(root);
    const { violations, projects } = checkBoundaries({ root });
    expect(violations).toEqual([]);
    expect(projects).toHaveLength(7);
  });

  it('reports each planted forbidden import with file:line, importer, imported and rule', () => {
    const root = fakeWorkspace();
    temps.push(root);
    plant(root, 'libs/data/src/index.ts', `import { R } from ${q('@det/models')};`);
    plant(root, 'libs/registry/src/registry.ts', `const runner = require(${q('@det/runner')});`);
    plant(root, 'plugins/yolo-head/src/index.ts', `import { Registry as R2 } from ${q('@det/registry/src/registry')};`);
    plant(root, 'libs/models/src/index.ts', `export * from ${q('../../data/src/index')};`);
    plant(root, 'libs/runner/src/index.ts', `export const later = () => import(${q('@det/hooks')});`);
    const { violations } = checkBoundaries({ root });
    expect(violations.map(({ file, line, importer, imported }) => `${file}:${line} ${importer} -> ${imported}`).sort()).toEqual([
      'libs/data/src/index.ts:1 @det/data -> @det/models',
      'libs/models/src/index.ts:1 @det/models -> ../../data/src/index',
      'libs/registry/src/registry.ts:1 @det/registry -> @det/runner',
      'libs/runner/src/index.ts:1 @det/runner -> @det/hooks',
      'plugins/yolo-head/src/index.ts:1 @det-contrib/yolo-head -> @det/registry/src/registry',
    ]);
    const rule = (file: string) => violations.find((v) => v.file === file)?.rule;
    expect(rule('libs/data/src/index.ts')).toBe('libs/data may import: registry');
    expect(rule('libs/registry/src/registry.ts')).toBe('libs/registry may import: tsyringe only');
    expect(rule('plugins/yolo-head/src/index.ts')).toMatch(/^deep import into @det\/registry/);
    expect(rule('libs/models/src/index.ts')).toMatch(/^relative imports may not leave libs\/models/);
  });

  it('exits non-zero and lists the violations when run as a script', () => {
    const root = fakeWorkspace();
    temps.push(root);
    plant(root, 'libs/data/src/index.ts', `import ${q('@det/runner')};`);
    const r = spawnSync(process.execPath, [script, '--root', root], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('1 forbidden import(s)');
    expect(r.stderr).toContain('libs/data/src/index.ts:1  @det/data -> @det/runner  (libs/data may import: registry)');
    const clean = spawnSync(process.execPath, [script, '--root', fakeWorkspace()], { encoding: 'utf8' });
    expect(clean.status).toBe(0);
  });

  it('fails with exit code 2 when the rules cannot be found', () => {
    const root = fakeWorkspace();
    temps.push(root);
    fs.rmSync(path.join(root, 'ARCHITECTURE.md'));
    const r = spawnSync(process.execPath, [script, '--root', root], { encoding: 'utf8', env: { ...process.env, DET_ARCHITECTURE: '' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('ARCHITECTURE.md not found; looked at:');
  });
});
