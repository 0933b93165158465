import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, dumpConfig, loadConfig, resolveConfig } from '../index';

const fixture = (...p: string[]) => path.join(__dirname, '__fixtures__', ...p);

/** The thrown error, so several properties of it can be checked. */
function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}

describe('loadConfig: _base_ chains', () => {
  it('merges a 3-level chain (.ts over .yaml over .json + .yaml) with _delete_', () => {
    const cfg = loadConfig(fixture('chain', 'top.ts')) as Record<string, any>;
    // _delete_ in mid.yaml replaced the ResNet backbone entirely: no depth/frozenStages/normCfg left.
    expect(cfg.model.backbone).toEqual({ type: 'MobileNetV2', widenFactor: 1.0 });
    // Dict merge across three levels: inChannels from mid, outChannels from top, numOuts from the base.
    expect(cfg.model.neck).toEqual({ type: 'FPN', inChannels: [24, 32, 96, 320], outChannels: 128, numOuts: 5 });
    expect(cfg.model.bboxHead).toEqual({ type: 'RetinaHead', numClasses: 80, featChannels: 256 });
    // Evaluated TypeScript: 0.02 * (4 / 2).
    expect(cfg.optimizer).toEqual({ type: 'SGD', lr: 0.04, momentum: 0.9, weightDecay: 0.0001 });
    expect(cfg.data.samplesPerGpu).toBe(4);
    expect(cfg.data.workersPerGpu).toBe(2);
    expect(cfg.data.train.pipeline).toHaveLength(4);
    expect(cfg.runner).toEqual({ type: 'EpochBasedRunner', maxEpochs: 12 });
    expect(cfg.workflow).toEqual([['train', 1]]);
    expect(cfg.logConfig.hooks).toEqual([{ type: 'TextLoggerHook' }]);
    expect(cfg).not.toHaveProperty('_base_');
    expect(JSON.stringify(cfg)).not.toContain('_delete_');
  });

  it('records which file set each key', () => {
    const { origins, files } = resolveConfig(fixture('chain', 'top.ts'));
    expect(files.map((f) => path.basename(f))).toEqual(['top.ts', 'mid.yaml', 'model.json', 'runtime.yaml']);
    expect(origins.of('model.backbone.type')).toBe(fixture('chain', 'mid.yaml'));
    expect(origins.of('model.bboxHead.numClasses')).toBe(fixture('chain', 'base', 'model.json'));
    expect(origins.of('seed')).toBe(fixture('chain', 'base', 'runtime.yaml'));
    expect(origins.of('data.samplesPerGpu')).toBe(fixture('chain', 'top.ts'));
    expect(origins.topLevel().workDir).toBe(fixture('chain', 'top.ts'));
  });

  it('round-trips through JSON and YAML dumps', () => {
    const cfg = loadConfig(fixture('chain', 'top.ts'));
    expect(JSON.parse(dumpConfig(cfg, 'json'))).toEqual(cfg);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-cfg-'));
    const out = path.join(dir, 'dumped.yaml');
    fs.writeFileSync(out, dumpConfig(cfg, 'yaml'));
    expect(loadConfig(out)).toEqual(cfg);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('detects a circular _base_ chain and prints it', () => {
    const err = errorOf(() => loadConfig(fixture('cycle', 'a.ts')));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe('circular _base_ chain: a.ts -> b.yaml -> c.json -> a.ts');
  });

  it('names a missing base and the file that referenced it', () => {
    const err = errorOf(() => loadConfig(fixture('bad', 'missing-base.yaml')));
    expect(err.message).toContain("base config './nowhere.yaml'");
    expect(err.message).toContain(`referenced from ${fixture('bad', 'missing-base.yaml')}`);
    expect(err.message).toContain(fixture('bad', 'nowhere.yaml'));
  });

  it('names a missing top-level file', () => {
    expect(() => loadConfig(fixture('no-such.ts'))).toThrow(`config file not found: ${fixture('no-such.ts')}`);
  });
});

describe('loadConfig: formats', () => {
  it('reads .json', () => {
    expect(loadConfig(fixture('formats', 'plain.json'))).toEqual({ seed: 7, model: { type: 'FasterRCNN' } });
  });

  it('reads .js named exports as top-level keys', () => {
    const cfg = loadConfig(fixture('chain', 'named-exports.js')) as Record<string, unknown>;
    expect(cfg.optimizer).toEqual({ type: 'Adam', lr: 0.001 });
    expect(cfg.runner).toEqual({ type: 'IterBasedRunner', maxIters: 100 });
    expect(cfg.seed).toBe(0);
  });

  it('reads a .ts config that uses defineConfig from @det/registry', () => {
    expect(loadConfig(fixture('formats', 'typed-full.ts'))).toEqual({
      model: { type: 'FCOS', backbone: { type: 'ResNet', depth: 18 } },
      runner: { type: 'EpochBasedRunner', maxEpochs: 1 },
      seed: 5,
    });
  });

  it('reads a .js config written as an ES module', () => {
    expect(loadConfig(fixture('formats', 'esm-syntax.js'))).toEqual({ optimizer: { type: 'SGD', lr: 0.005 } });
  });

  it('gives .js configs a require (with resolve) relative to the config file', () => {
    expect(loadConfig(fixture('formats', 'uses-require.js'))).toEqual({ seed: 8, workDir: 'plain.json' });
  });

  it('lets a .ts config import a relative .ts helper', () => {
    const cfg = loadConfig(fixture('formats', 'imports-helper.ts')) as Record<string, any>;
    expect(cfg.model.backbone.normCfg).toEqual({ type: 'BN', requiresGrad: true });
    expect(cfg.seed).toBe(11);
  });

  it.each([
    ['broken.yaml', /broken\.yaml:\d+:\d+/],
    ['broken.json', /broken\.json:4:\d+/],
    ['broken.ts', /broken\.ts:2:/],
  ])('reports a parse error in %s with file and line', (name, pattern) => {
    const err = errorOf(() => loadConfig(fixture('bad', name)));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/^cannot parse /);
    expect(err.message).toMatch(pattern);
  });

  it('reports an error thrown while evaluating a .ts config with its line', () => {
    const err = errorOf(() => loadConfig(fixture('bad', 'throws.ts')));
    expect(err.message).toMatch(/throws\.ts:3: depth too large for this fixture/);
  });

  it('rejects functions with the key path and file', () => {
    const err = errorOf(() => loadConfig(fixture('bad', 'function-value.ts')));
    expect(err.message).toBe(
      `config key 'model.initWeights' in ${fixture('bad', 'function-value.ts')} is a function; configs must be plain JSON data`,
    );
  });
});

describe('loadConfig: schema check', () => {
  it('names an unknown top-level key, its file, and the nearest known key', () => {
    const err = errorOf(() => loadConfig(fixture('bad', 'typo.yaml')));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(`'optimzer' (from ${fixture('bad', 'typo.yaml')}) is not a known top-level key.`);
    expect(err.message).toContain("Did you mean 'optimizer'?");
  });

  it('names a bad value by key path and the base file it came from', () => {
    const err = errorOf(() => loadConfig(fixture('bad', 'bad-batch.ts')));
    expect(err.message).toContain(`'data.samplesPerGpu' (from ${fixture('bad', 'bad-batch-base.yml')}) must be integer`);
  });

  it('attributes --cfg-options values to --cfg-options', () => {
    const err = errorOf(() => loadConfig(fixture('chain', 'top.ts'), { cfgOptions: ['runner.maxIters=5'] }));
    expect(err.message).toContain(`'runner' sets both maxEpochs (from ${fixture('chain', 'mid.yaml')}) and maxIters (from --cfg-options)`);
  });

  it('accepts _-prefixed scratch keys', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-cfg-'));
    fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ _anchors_: { a: 1 }, seed: 1 }));
    expect(loadConfig(path.join(dir, 'c.json'))).toEqual({ _anchors_: { a: 1 }, seed: 1 });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
