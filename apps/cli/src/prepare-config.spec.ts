import * as path from 'node:path';
import { HEADS, loadedPlugins } from '@det/registry';
import { prepareConfig } from './prepare-config';

const config = path.join(__dirname, '__fixtures__', 'configs', 'with-plugin', 'cfg.yaml');

describe('prepareConfig', () => {
  it('loads the plugins a config names (relative to the config) and applies CLI overrides', async () => {
    const resolved = await prepareConfig(config, { cfgOptions: ['seed=3'], workDir: '/tmp/w d', backend: 'cpu' });
    expect(loadedPlugins().map((p) => p.name)).toContain('@org/yolo-head');
    expect(HEADS.entries().find((e) => e.name === 'YOLOv3Head')?.owner).toBe('@org/yolo-head');
    expect(resolved.config).toMatchObject({ seed: 3, workDir: '/tmp/w d', backend: 'cpu' });
    expect(resolved.origins.of('workDir')).toBe('--work-dir');
    expect(resolved.origins.of('seed')).toBe('--cfg-options');
    expect(resolved.origins.of('model')).toBe(config);
  });
});

it('a bad override is reported with the flag it came from', async () => {
  await expect(prepareConfig(config, { seed: 1.5 as number })).rejects.toThrow("'seed' (from --seed) must be integer");
});
