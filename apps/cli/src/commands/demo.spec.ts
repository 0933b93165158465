import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { det, tempDir } from '../testing/det-in-process';

// A shortened `det demo` (the real demo config, 3 iterations on 16 images) runs every stage and
// reports where it wrote everything. The full demo's time and mAP are measured, not tested (docs/tour.md).
const root = tempDir('demo');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

it('det demo: generates data, trains, evaluates, draws pictures and prints where they are', async () => {
  const workDir = path.join(root, 'work');
  const small = ['train', 'val', 'test'].flatMap((s) => [`data.${s}.numTrain=16`, `data.${s}.numVal=4`]);
  const r = await det('demo', '--iters', '3', '--images', '2', '--data-root', path.join(root, 'data'), '--work-dir', workDir, '--cfg-options', ...small);
  expect(r.err).not.toMatch(/det: (internal )?error/);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^det demo finished in \d+ s \(training \d+ s\)$/m);
  expect(r.out).toMatch(/bbox mAP \(synthetic val\): \d\.\d{3}/);
  expect(r.out).toContain(`work dir:    ${workDir}`);
  expect(r.out).toContain(`checkpoint:  ${path.join(workDir, 'latest.safetensors')}`);
  const metrics = JSON.parse(fs.readFileSync(path.join(workDir, 'metrics.json'), 'utf8'));
  expect(Object.keys(metrics)).toEqual(expect.arrayContaining(['bbox_mAP', 'bbox_mAP_50']));
  expect(fs.existsSync(path.join(workDir, 'val_results.json'))).toBe(true);
  const pictures = fs.readdirSync(path.join(workDir, 'pictures'));
  expect(pictures).toHaveLength(2);
  expect((await sharp(path.join(workDir, 'pictures', pictures[0])).metadata()).format).toBe('jpeg');
  expect(r.err).toContain('Saving checkpoint at 3 iterations');
});

it('det demo --iters must be a positive integer', async () => {
  const r = await det('demo', '--iters', 'many');
  expect(r.code).toBe(1);
  expect(r.err).toContain("--iters must be a positive integer, got 'many'");
});
