import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { det, tempDir, tinyCfgOptions } from '../testing/det-in-process';

// `det train --plugin <package>` with each example plugin of plugins/ (workspace packages), each
// proving its component ran: the head's loss keys in the log, the transform's mosaic count, the
// hook's report file and the early end of the run.
const configs = path.join(__dirname, '..', '__fixtures__', 'configs', 'e2e');
const root = tempDir('plugins');
const dataRoot = path.join(root, 'data');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const jsonLog = (workDir: string) => {
  const file = fs.readdirSync(workDir).find((f) => f.endsWith('.log.json'))!;
  return fs.readFileSync(path.join(workDir, file), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
};

describe('det train --plugin', () => {
  it('@det-contrib/yolo-head: trains a YOLOV3 whose head losses reach the log, and tests it', async () => {
    const workDir = path.join(root, 'yolo');
    const r = await det('train', path.join(configs, 'tiny_yolo.ts'), '--plugin', '@det-contrib/yolo-head', '--work-dir', workDir, ...tinyCfgOptions(dataRoot));
    expect(r.err).not.toMatch(/det: (internal )?error/);
    expect(r.code).toBe(0);
    const train = jsonLog(workDir).filter((l) => l.mode === 'train' && 'loss' in l);
    expect(train.length).toBeGreaterThan(0);
    for (const key of ['loss_cls', 'loss_conf', 'loss_xy', 'loss_wh']) expect(typeof train[0][key]).toBe('number');
    const t = await det('test', path.join(configs, 'tiny_yolo.ts'), path.join(workDir, 'latest.safetensors'), '--plugin', '@det-contrib/yolo-head', '--json', ...tinyCfgOptions(dataRoot));
    expect(t.code).toBe(0);
    expect(JSON.parse(t.out)).toHaveProperty('bbox_mAP');
  });

  it('@det-contrib/mosaic: the CachedMosaic transform makes mosaics during training', async () => {
    // The plugin runs in Node's main context (the loader evaluates it there), not in jest's
    // sandbox, so its process-wide counters sit on the main context's globalThis.
    const mainGlobal = vm.runInThisContext('globalThis') as Record<symbol, { mosaics: number; calls: number } | undefined>;
    const stats = () => mainGlobal[Symbol.for('@det-contrib/mosaic.stats')];
    const before = { mosaics: stats()?.mosaics ?? 0, calls: stats()?.calls ?? 0 };
    const r = await det('train', path.join(configs, 'tiny_mosaic.ts'), '--plugin', '@det-contrib/mosaic', '--work-dir', path.join(root, 'mosaic'), '--no-validate', ...tinyCfgOptions(dataRoot));
    expect(r.err).not.toMatch(/det: (internal )?error/);
    expect(r.code).toBe(0);
    // 4 iterations × 2 images (the loader may decode a few more ahead): the first 3 samples
    // warm the cache, every later one becomes a mosaic.
    const calls = stats()!.calls - before.calls;
    expect(calls).toBeGreaterThanOrEqual(8);
    expect(stats()!.mosaics - before.mosaics).toBe(calls - 3);
  });

  it('@det-contrib/mosaic with loader workers: the workers register the plugin too', async () => {
    const workDir = path.join(root, 'mosaic-workers');
    const r = await det('train', path.join(configs, 'tiny_mosaic.ts'), '--plugin', '@det-contrib/mosaic', '--work-dir', workDir, '--no-validate',
      ...tinyCfgOptions(dataRoot, 'data.workersPerGpu=1'));
    expect(r.err).not.toMatch(/det: (internal )?error/);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(workDir, '.det-worker-plugins.cjs'), 'utf8')).toContain('mosaic');
  });

  it('@det-contrib/early-stopping: the hook ends the run early and writes its report', async () => {
    const workDir = path.join(root, 'early');
    const r = await det('train', path.join(configs, 'tiny_early_stop.ts'), '--plugin', '@det-contrib/early-stopping', '--work-dir', workDir, ...tinyCfgOptions(dataRoot));
    expect(r.err).not.toMatch(/det: (internal )?error/);
    expect(r.code).toBe(0);
    expect(r.err).toContain('early stopping: bbox_mAP_50 has not improved for 1 evaluation(s)');
    const report = JSON.parse(fs.readFileSync(path.join(workDir, 'early_stopping.json'), 'utf8'));
    expect(report).toMatchObject({ metric: 'bbox_mAP_50', stoppedAt: 2, badEvaluations: 1 });
    expect(report.history).toHaveLength(2);
    expect(r.err).not.toMatch(/Iter \[3\/6\]/);
  });

  it('a plugin type misspelt in a config fails with a did-you-mean that knows plugin names', async () => {
    const r = await det('train', path.join(configs, 'tiny_retinanet.ts'), '--work-dir', path.join(root, 'typo'), ...tinyCfgOptions(dataRoot, 'model.bboxHead.type=YOLOv3Head'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown type 'YOLOv3Head'. Did you mean 'YOLOV3Head'\?/);
  });
});
