import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTmpDir, paint, writePng } from '../datasets/__fixtures__/tmp';

// The loader's workers must also start from the compiled package (plain node, no swc hook).
// Only meaningful after `npm run build` (CI's test:all builds first); skipped without a dist.
const distEntry = path.resolve(__dirname, '../../dist/loader/worker-main.js');
const maybe = fs.existsSync(distEntry) ? it : it.skip;

describe('loader workers from dist', () => {
  const tmp = makeTmpDir('det-dist-');
  afterAll(() => tmp.cleanup());

  maybe('a plain node process loads batches through a worker thread', async () => {
    await writePng(path.join(tmp.dir, 'a.png'), 6, 4, paint(6, 4, [7, 8, 9], []));
    const ann = path.join(tmp.dir, 'ann.json');
    fs.writeFileSync(ann, JSON.stringify([{ filename: 'a.png', width: 6, height: 4, ann: { bboxes: [[1, 1, 3, 3]], labels: [0] } }]));
    const script = `
      const { CustomDataset, buildDataLoader } = require('@det/data');
      if (!require.resolve('@det/data').endsWith('.js')) throw new Error('not the compiled package');
      const ds = new CustomDataset({ annFile: ${JSON.stringify(ann)}, classes: ['x'], pipeline: [
        { type: 'LoadImageFromFile' }, { type: 'LoadAnnotations' }, { type: 'DefaultFormatBundle' },
        { type: 'Collect', keys: ['img', 'gtBboxes', 'gtLabels'] } ] });
      (async () => {
        const loader = buildDataLoader(ds, { samplesPerGpu: 1, workersPerGpu: 1, shuffle: false });
        for await (const b of loader) console.log(JSON.stringify({ shape: b.img.shape, px: Array.from(b.img.data.subarray(0, 3)) }));
        await loader.close();
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const out = spawnSync(process.execPath, ['-e', script], { cwd: path.resolve(__dirname, '../../../..'), encoding: 'utf8', timeout: 60_000 });
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout.trim())).toEqual({ shape: [1, 4, 6, 3], px: [7, 8, 9] });
  });
});
