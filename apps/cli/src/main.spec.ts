import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { run } from './main';

const fixtures = path.join(__dirname, '__fixtures__');
const pluginDir = path.join(fixtures, 'plugin-yolo');

/** Runs `det argv` in-process and captures what it writes. */
async function det(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe('det program', () => {
  it('--version prints the version of @det/cli', async () => {
    const r = await det('--version');
    expect(r).toEqual({ code: 0, out: `${require('../package.json').version}\n`, err: '' });
  });

  it('--help lists the commands', async () => {
    const r = await det('--help');
    expect(r.code).toBe(0);
    for (const name of ['list', 'print-config', 'env']) expect(r.out).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
  });

  it('every command answers --help with its usage', async () => {
    const { COMMANDS } = await import('./commands');
    const { buildProgram } = await import('./main');
    const names = buildProgram().commands.map((c) => c.name());
    expect(names).toHaveLength(COMMANDS.length);
    for (const name of names) {
      const r = await det(name, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: det ${name}`);
    }
  });

  it('an unknown command fails with exit code 1 and a message on stderr', async () => {
    const r = await det('trian');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain("unknown command 'trian'");
  });
});

describe('det list', () => {
  it('shows a component registered by a plugin loaded from a local path, with its owner', async () => {
    const r = await det('list', 'head', '--plugin', pluginDir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^head \(\d+\)$/m);
    expect(r.out).toMatch(/^ {2}YOLOv3Head\s+@org\/yolo-head$/m);
  });

  it('--json gives kind → [{ name, owner, scopedName }]', async () => {
    const r = await det('list', '--json', '--plugin', pluginDir);
    const byKind = JSON.parse(r.out);
    expect(Object.keys(byKind)).toEqual(expect.arrayContaining(['backbone', 'head', 'loss', 'hook', 'optimizer']));
    expect(byKind.head).toContainEqual({ name: 'YOLOv3Head', owner: '@org/yolo-head', scopedName: '@org/yolo-head.YOLOv3Head' });
  });

  it('an unknown kind lists the valid kinds and suggests the nearest', async () => {
    const r = await det('list', 'heads');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain("det: error: unknown kind 'heads'. Did you mean 'head'? Valid kinds: backbone, neck, head,");
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('--plugins reads the manifest without running the plugin', async () => {
    const r = await det('list', '--plugins', '--plugin', pluginDir, '--json');
    expect(r.code).toBe(0);
    const manifests = JSON.parse(r.out) as { name: string; contributes: unknown; packageJson: string }[];
    expect(manifests.find((m) => m.packageJson === path.join(pluginDir, 'package.json'))).toMatchObject({
      name: '@org/yolo-head',
      version: '0.3.0',
      apiVersion: 1,
      contributes: { head: ['YOLOv3Head'] },
    });
  });

  it('a missing plugin is a one-paragraph error without a stack, unless --debug', async () => {
    const r = await det('list', '--plugin', './does-not-exist');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^det: error: plugin '.\/does-not-exist' not found; looked in:/);
    expect(r.err).not.toMatch(/\n\s+at /);
    const debug = await det('list', '--plugin', './does-not-exist', '--debug');
    expect(debug.code).toBe(1);
    expect(debug.err).toMatch(/\n\s+at /);
  });
});

describe('det print-config', () => {
  const config = path.join(fixtures, 'configs', 'retina.ts');

  it('prints the merged 3-level chain as YAML', async () => {
    const r = await det('print-config', config);
    expect(r.code).toBe(0);
    expect(parseYaml(r.out)).toEqual({
      logConfig: { interval: 50 },
      seed: 42,
      workflow: [['train', 1]],
      optimizer: { type: 'SGD', lr: 0.01, momentum: 0.9 },
      runner: { type: 'EpochBasedRunner', maxEpochs: 12 },
      model: { type: 'RetinaNet', backbone: { type: 'ResNet', depth: 18 } },
    });
  });

  it('applies --cfg-options and prints JSON', async () => {
    const r = await det('print-config', config, '--json', '--cfg-options', 'model.backbone.depth=50', 'runner.maxEpochs=24', '--cfg-options', 'seed=7');
    expect(r.code).toBe(0);
    const cfg = JSON.parse(r.out);
    expect(cfg.model.backbone.depth).toBe(50);
    expect(cfg.runner.maxEpochs).toBe(24);
    expect(cfg.seed).toBe(7);
  });

  it('a typo in a top-level key names the key, the file and the nearest key', async () => {
    const r = await det('print-config', path.join(fixtures, 'configs', 'typo.yaml'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`'optimzer' (from ${path.join(fixtures, 'configs', 'typo.yaml')}) is not a known top-level key. Did you mean 'optimizer'?`);
  });
});

describe('det env', () => {
  it('--json reports the node version and the @det packages', async () => {
    const r = await det('env', '--json');
    expect(r.code).toBe(0);
    const env = JSON.parse(r.out);
    expect(env.node).toBe(process.version);
    expect(env.detPackages['@det/cli']).toBe(require('../package.json').version);
  });

  it('prints aligned lines', async () => {
    const r = await det('env');
    const lines = r.out.trimEnd().split('\n');
    const valueColumn = (line: string) => /^\S+(?: \S+)*?\s{2,}/.exec(line)?.[0].length;
    expect(lines.length).toBeGreaterThan(8);
    expect(new Set(lines.map(valueColumn)).size).toBe(1);
  });

  it('says whether --backend webgpu would find an adapter, whichever backend is in use', async () => {
    const r = await det('env', '--json');
    const env = JSON.parse(r.out);
    expect(env.extra['WebGPU adapter']).toMatch(/^(none: .+|.+ \(not in use: --backend webgpu\))$/);
  });
});
