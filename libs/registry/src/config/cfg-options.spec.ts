import * as path from 'node:path';
import { ConfigError, Registry, applyCfgOptions, buildAt, loadConfig, parseCfgOption, parseCfgValue, resolveConfig } from '../index';

const fixture = (...p: string[]) => path.join(__dirname, '__fixtures__', ...p);

describe('parseCfgValue', () => {
  it.each<[string, unknown]>([
    ['1', 1],
    ['-3', -3],
    ['0.01', 0.01],
    ['1e-4', 1e-4],
    ['.5', 0.5],
    ['true', true],
    ['True', true],
    ['false', false],
    ['False', false],
    ['null', null],
    ['None', null],
    ['RetinaNet', 'RetinaNet'],
    ['"quoted, with comma"', 'quoted, with comma'],
    ["'7'", '7'],
    ['1.2.3', '1.2.3'],
    ['[1,2]', [1, 2]],
    ['[ 640 , 480 ]', [640, 480]],
    ['[]', []],
    ['(1,2)', [1, 2]],
    ['(1,)', [1]],
    ['[(1,2),(3,4)]', [[1, 2], [3, 4]]],
    ['[[1,[2,3]],4]', [[1, [2, 3]], 4]],
    ['1,2', [1, 2]],
    ['a,b', ['a', 'b']],
    ['[a,"b,c",true]', ['a', 'b,c', true]],
    ['[1,2],[3,4]', [[1, 2], [3, 4]]],
  ])('%s', (text, expected) => {
    expect(parseCfgValue(text)).toEqual(expected);
  });

  it.each([['[1,2'], ['(1,2]'], ['1,2)'], ['"open']])('rejects malformed %s', (text) => {
    expect(() => parseCfgValue(text)).toThrow(ConfigError);
  });
});

describe('parseCfgOption', () => {
  it.each<[string, string, unknown]>([
    ['optimizer.lr=0.02', 'optimizer.lr', 0.02],
    ['data.train.pipeline.2.imgScale=[640,480]', 'data.train.pipeline.2.imgScale', [640, 480]],
    ['model.backbone.type=ResNet', 'model.backbone.type', 'ResNet'],
    ['workDir=a=b', 'workDir', 'a=b'],
    ['seed=None', 'seed', null],
  ])('%s', (option, key, value) => {
    expect(parseCfgOption(option)).toEqual({ key, value });
  });

  it.each([['noequals'], ['=1'], ['a..b=1']])('rejects %s', (option) => {
    expect(() => parseCfgOption(option)).toThrow(ConfigError);
  });
});

describe('applyCfgOptions', () => {
  it('overrides nested keys, indexes lists and creates missing dicts', () => {
    const cfg = loadConfig(fixture('chain', 'top.ts'), {
      cfgOptions: ['data.train.pipeline.2.imgScale=[640,480]', 'optimizer.lr=0.1', 'evaluation.interval=2', 'model.neck.inChannels=8,16'],
    }) as Record<string, any>;
    expect(cfg.data.train.pipeline[2]).toEqual({ type: 'Resize', imgScale: [640, 480], keepRatio: true });
    expect(cfg.optimizer.lr).toBe(0.1);
    expect(cfg.evaluation).toEqual({ interval: 2 });
    expect(cfg.model.neck.inChannels).toEqual([8, 16]);
  });

  it('names the path when an index is out of range or the parent is a scalar', () => {
    const cfg = { data: { pipeline: [{ type: 'A' }] }, seed: 1 };
    expect(() => applyCfgOptions(cfg, ['data.pipeline.3.x=1'])).toThrow("index 3 is past the end of 'data.pipeline' (length 1)");
    expect(() => applyCfgOptions(cfg, ['data.pipeline.first=1'])).toThrow("'data.pipeline' is a list, so 'first' must be an index");
    expect(() => applyCfgOptions(cfg, ['seed.value=1'])).toThrow("cannot set 'value' inside 'seed', which is 1");
  });
});

describe('building from a loaded config', () => {
  it('a type typo gives the did-you-mean error with the config key path and file', () => {
    const backbones = new Registry('backbone-cfg-test');
    backbones.add(class ResNet {});
    backbones.add(class MobileNetV2 {});
    const resolved = resolveConfig(fixture('bad', 'backbone-typo.yaml'));
    expect(() => buildAt(backbones, resolved, 'model.backbone')).toThrow(
      `registry 'backbone-cfg-test' (at model.backbone, set in ${fixture('bad', 'backbone-typo.yaml')}): unknown type 'ResNt'. Did you mean 'ResNet'?`,
    );
  });

  it('builds with the merged options', () => {
    class ResNet {
      constructor(readonly opts: Record<string, unknown>) {}
    }
    const backbones = new Registry('backbone-cfg-test2');
    backbones.add(ResNet);
    const resolved = resolveConfig(fixture('chain', 'base', 'model.json'));
    const built = buildAt<ResNet>(backbones, resolved, 'model.backbone');
    expect(built.opts).toEqual({ depth: 50, frozenStages: 1, normCfg: { type: 'BN', requiresGrad: true } });
  });
});
