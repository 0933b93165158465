import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HEADS, LOSSES, NECKS, BACKBONES, PluginError, discoverPlugins, loadPlugins, loadedPlugins, readPluginManifest, PLUGIN_API_VERSION } from '../index';

const fixtures = path.join(__dirname, '__fixtures__');

async function pluginErrorOf(fn: () => Promise<unknown>): Promise<PluginError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PluginError);
    return e as PluginError;
  }
  throw new Error('expected a PluginError, none was thrown');
}

describe('loadPlugins', () => {
  it('loads a local folder plugin, scoping its registrations to the plugin name', async () => {
    const [record] = await loadPlugins(['./yolo-head'], { cwd: fixtures });
    expect(record).toMatchObject({ name: '@org/yolo-head', apiVersion: 1, version: '0.2.0', spec: './yolo-head' });
    const entry = HEADS.entries().find((e) => e.name === 'YOLOv3Head');
    expect(entry?.owner).toBe('@org/yolo-head');
    expect(entry?.scopedName).toBe('@org/yolo-head.YOLOv3Head');
    expect(HEADS.get('@org/yolo-head.YOLOv3Head')).toBe(entry?.target);
    expect(LOSSES.has('YOLOLoss')).toBe(true);
    const built = HEADS.build({ type: 'YOLOv3Head', numClasses: 3 }) as { options: unknown };
    expect(built.options).toEqual({ numClasses: 3 });
  });

  it('is a no-op when the same plugin is loaded again (by another spelling of its path)', async () => {
    const calls = (globalThis as Record<string, unknown>).__detFixtureRegisterCalls;
    await loadPlugins([path.join(fixtures, 'yolo-head'), './yolo-head'], { cwd: fixtures });
    expect((globalThis as Record<string, unknown>).__detFixtureRegisterCalls).toBe(calls);
    expect(loadedPlugins().filter((p) => p.name === '@org/yolo-head')).toHaveLength(1);
  });

  it('is a no-op when the plugin is reached again through a symlink', async () => {
    const link = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'det-link-')), 'linked-yolo');
    fs.symlinkSync(path.join(fixtures, 'yolo-head'), link);
    const calls = (globalThis as Record<string, unknown>).__detFixtureRegisterCalls;
    const [record] = await loadPlugins([link], { cwd: fixtures });
    expect(record.name).toBe('@org/yolo-head');
    expect((globalThis as Record<string, unknown>).__detFixtureRegisterCalls).toBe(calls);
    expect(HEADS.has('YOLOv3Head')).toBe(true);
    fs.rmSync(path.dirname(link), { recursive: true, force: true });
  });

  it('lists loaded plugins in unknown-type errors', () => {
    expect(() => HEADS.build({ type: 'YOLOv3Hed' })).toThrow(/Did you mean 'YOLOv3Head'\?[\s\S]*plugins loaded: .*@org\/yolo-head/);
  });

  it('loads a TypeScript plugin with a default export and awaits its async register', async () => {
    await loadPlugins([path.join(fixtures, 'async-ts')], { cwd: os.tmpdir() });
    expect(NECKS.entries().find((e) => e.name === 'SlowNeck')?.owner).toBe('async-ts-plugin');
  });

  it('loads a single-file plugin whose module has a default export', async () => {
    await loadPlugins(['single-file.js'], { cwd: fixtures });
    expect(BACKBONES.entries().find((e) => e.name === 'TinyBackbone')?.owner).toBe('single-file-plugin');
  });

  it('resolves an npm package name from cwd', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-plugin-'));
    const pkgDir = path.join(dir, 'node_modules', 'det-plugin-from-npm');
    fs.mkdirSync(pkgDir, { recursive: true });
    fs.writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify({ name: 'det-plugin-from-npm', version: '3.1.4', main: 'main.js' }));
    fs.writeFileSync(
      path.join(pkgDir, 'main.js'),
      "class NpmLoss {}\nmodule.exports = { name: 'det-plugin-from-npm', apiVersion: 1, register: (ctx) => ctx.registries.loss.add(NpmLoss) };\n",
    );
    try {
      const [record] = await loadPlugins(['det-plugin-from-npm'], { cwd: dir });
      expect(record.version).toBe('3.1.4');
      expect(record.entry).toBe(fs.realpathSync(path.join(pkgDir, 'main.js')));
      expect(LOSSES.entries().find((e) => e.name === 'NpmLoss')?.owner).toBe('det-plugin-from-npm');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('plugin errors', () => {
  it('not found: lists the places it looked', async () => {
    const err = await pluginErrorOf(() => loadPlugins(['@nope/missing-plugin'], { cwd: fixtures }));
    expect(err.message).toContain("plugin '@nope/missing-plugin' not found; looked in:");
    expect(err.message).toContain(`path ${path.join(fixtures, '@nope/missing-plugin')}`);
    expect(err.message).toContain(`package '@nope/missing-plugin' from ${fixtures}`);
    expect(err.message).toContain(`package '@nope/missing-plugin' from ${__dirname}`);
  });

  it('not found: a relative path is only looked up as a path', async () => {
    const err = await pluginErrorOf(() => loadPlugins(['./missing-folder'], { cwd: fixtures }));
    expect(err.message).toBe(`plugin './missing-folder' not found; looked in:\n  - path ${path.join(fixtures, 'missing-folder')}`);
  });

  it('a folder without an entry says so', async () => {
    const err = await pluginErrorOf(() => loadPlugins(['./no-entry'], { cwd: fixtures }));
    expect(err.message).toContain('has no entry');
  });

  it('wrong shape: names what is missing', async () => {
    const err = await pluginErrorOf(() => loadPlugins(['./bad-shape.js'], { cwd: fixtures }));
    expect(err.message).toContain("plugin './bad-shape.js'");
    expect(err.message).toContain("'apiVersion' (a number) is missing; 'register' (a function) is missing");
    expect(err.message).not.toContain("'name'");
  });

  it('incompatible apiVersion: names both versions', async () => {
    const err = await pluginErrorOf(() => loadPlugins(['./future-api.js'], { cwd: fixtures }));
    expect(err.message).toContain(`plugin 'future-plugin' (./future-api.js) targets plugin API 2, but this det provides API ${PLUGIN_API_VERSION}`);
    expect(loadedPlugins().some((p) => p.name === 'future-plugin')).toBe(false);
  });

  it('register throwing: plugin name, its message, original as cause, registrations rolled back', async () => {
    const err = await pluginErrorOf(() => loadPlugins(['./throws.js'], { cwd: fixtures }));
    expect(err.message).toBe("plugin 'throwing-plugin' (./throws.js): register() failed: needs CUDA 12");
    expect((err.cause as Error).message).toBe('needs CUDA 12');
    expect(HEADS.has('HalfDone')).toBe(false);
    expect(loadedPlugins().some((p) => p.name === 'throwing-plugin')).toBe(false);
  });

  it('a name colliding with a core component fails through register', async () => {
    NECKS.add(class FPN {}, { owner: '@det/models' });
    const err = await pluginErrorOf(() => loadPlugins(['./collides.js'], { cwd: fixtures }));
    expect(err.message).toContain("plugin 'colliding-plugin' (./collides.js): register() failed:");
    expect(err.message).toContain('core names cannot be shadowed');
  });
});

describe('readPluginManifest', () => {
  it('reads det.contributes without running the plugin', () => {
    const before = (globalThis as Record<string, unknown>).__detFixtureRegisterCalls;
    const manifest = readPluginManifest('./yolo-head', { cwd: fixtures });
    expect(manifest).toEqual({
      name: '@org/yolo-head',
      version: '0.2.0',
      apiVersion: 1,
      contributes: { head: ['YOLOv3Head'], loss: ['YOLOLoss'] },
      packageJson: path.join(fixtures, 'yolo-head', 'package.json'),
    });
    expect((globalThis as Record<string, unknown>).__detFixtureRegisterCalls).toBe(before);
  });

  it('fails for a single file, which has no package.json', () => {
    expect(() => readPluginManifest('./single-file.js', { cwd: fixtures })).toThrow(/has no package.json/);
  });
});

describe('discoverPlugins', () => {
  it('finds installed packages with a "det" field, without running them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-discover-'));
    const write = (rel: string, pkg: object) => {
      fs.mkdirSync(path.join(dir, 'node_modules', rel), { recursive: true });
      fs.writeFileSync(path.join(dir, 'node_modules', rel, 'package.json'), JSON.stringify(pkg));
    };
    write('@acme/det-ssd', { name: '@acme/det-ssd', version: '1.0.0', det: { apiVersion: 1, contributes: { head: ['SSDHead'] } } });
    write('left-pad', { name: 'left-pad', version: '1.3.0' });
    try {
      const found = discoverPlugins(path.join(dir));
      const mine = found.filter((m) => m.packageJson.startsWith(dir));
      expect(mine.map((m) => [m.name, m.version, m.contributes])).toEqual([['@acme/det-ssd', '1.0.0', { head: ['SSDHead'] }]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
