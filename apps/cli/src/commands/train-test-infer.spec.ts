import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { decodeSafetensors } from '@det/registry';
import { TINY_CONFIG, det, tempDir, tinyCfgOptions } from '../testing/det-in-process';

// One tiny training run shared by the specs below: train → test → infer → analyze-logs → resume.
const CLASSES = ['red_rectangle', 'green_circle', 'blue_triangle'];
const root = tempDir('e2e');
const dataRoot = path.join(root, 'data');
const workDir = path.join(root, 'work');
const ckpt = path.join(workDir, 'latest.safetensors');
let trainRun: { code: number; out: string; err: string };

beforeAll(async () => {
  trainRun = await det('train', TINY_CONFIG, '--work-dir', workDir, '--seed', '3', '--cudnn-benchmark', '--json', ...tinyCfgOptions(dataRoot));
}, 120_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('det train', () => {
  it('writes config, text log, JSON log and checkpoints into the work dir and prints where', () => {
    expect(trainRun.err).not.toMatch(/det: (internal )?error/);
    expect(trainRun.code).toBe(0);
    const result = JSON.parse(trainRun.out);
    expect(result.workDir).toBe(workDir);
    expect(result.checkpoint).toBe(ckpt);
    for (const f of [result.logFile, result.jsonLogFile, result.configFile, ckpt, path.join(workDir, 'iter_2.safetensors')]) {
      expect(fs.existsSync(f)).toBe(true);
    }
    // The text log file holds what went to stderr: env report, seed, iteration lines.
    const text = fs.readFileSync(result.logFile, 'utf8');
    expect(text).toContain('Environment info:');
    expect(text).toContain('Set random seed to 3');
    expect(text).toMatch(/cudnnBenchmark: nothing to tune on the (cpu|native|wasm|tensorflow) backend/); // --cudnn-benchmark off webgpu
    expect(text).toMatch(/Iter \[1\/2\]\tlr: /);
    expect(trainRun.err).toContain('Set random seed to 3');
    // The JSON log: meta first, then train lines with the head's losses and the evaluation.
    const lines = fs.readFileSync(result.jsonLogFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.find((l) => l.mode === 'train' && 'loss_cls' in l && 'loss_bbox' in l)).toBeDefined();
    expect(lines.some((l) => 'bbox_mAP' in l)).toBe(true);
    expect(Object.keys(result.metrics)).toContain('bbox_mAP');
  });

  it('puts the resolved config, env, seed and classes into the checkpoint meta', () => {
    const { metadata } = decodeSafetensors(new Uint8Array(fs.readFileSync(ckpt)));
    const meta = JSON.parse(metadata!.det).meta;
    expect(meta.config.model.type).toBe('RetinaNet');
    expect(meta.config.workDir).toBe(workDir);
    expect(meta.config.seed).toBe(3);
    expect(meta.env.node).toBe(process.version);
    expect(meta.classes).toEqual(CLASSES);
    expect(meta.iter).toBe(2);
  });

  it('--resume auto continues from the newest checkpoint of the work dir', async () => {
    const r = await det('train', TINY_CONFIG, '--work-dir', workDir, '--resume', 'auto', '--no-validate', ...tinyCfgOptions(dataRoot, 'runner.maxIters=3', 'checkpointConfig.interval=3'));
    expect(r.code).toBe(0);
    expect(r.err).toContain('resumed epoch');
    expect(r.err).toMatch(/Iter \[3\/3\]/);
    expect(r.err).not.toMatch(/Iter \[1\/3\]/);
    expect(fs.existsSync(path.join(workDir, 'iter_3.safetensors'))).toBe(true);
  });
  it('an EpochBasedRunner config logs epochs, evaluates every epoch and writes epoch_<n> checkpoints', async () => {
    const config = path.join(path.dirname(TINY_CONFIG), 'tiny_retinanet_epochs.ts');
    const other = path.join(root, 'epochs');
    const r = await det('train', config, '--work-dir', other, '--json', ...tinyCfgOptions(dataRoot));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/Epoch \[2\]\[2\/4\]\tlr: /);
    expect(fs.existsSync(path.join(other, 'epoch_1.safetensors')) && fs.existsSync(path.join(other, 'epoch_2.safetensors'))).toBe(true);
    const lines = fs.readFileSync(JSON.parse(r.out).jsonLogFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.mode === 'val' && 'bbox_mAP' in l).map((l) => l.epoch)).toEqual([1, 2]);
  });

  it('--load-from starts a new run from the weights of a checkpoint', async () => {
    const other = path.join(root, 'finetune');
    const r = await det('train', TINY_CONFIG, '--work-dir', other, '--load-from', ckpt, '--no-validate', ...tinyCfgOptions(dataRoot, 'runner.maxIters=1', 'checkpointConfig.interval=1'));
    expect(r.code).toBe(0);
    expect(r.err).toContain(`load checkpoint from ${ckpt}`);
    expect(r.err).not.toContain('resumed epoch');
    expect(fs.existsSync(path.join(other, 'iter_1.safetensors'))).toBe(true);
  });
});

describe('det test', () => {
  it('evaluates the checkpoint (--json), writes COCO results (--out) and pictures (--show-dir)', async () => {
    const out = path.join(root, 'results.json');
    const showDir = path.join(root, 'show');
    const r = await det('test', TINY_CONFIG, path.join(workDir, 'iter_2.safetensors'), '--eval', 'bbox', '--json', '--out', out, '--show-dir', showDir,
      ...tinyCfgOptions(dataRoot, 'model.testCfg.scoreThr=0'));
    expect(r.err).not.toMatch(/det: (internal )?error/);
    expect(r.code).toBe(0);
    const metrics = JSON.parse(r.out);
    expect(Object.keys(metrics)).toEqual(expect.arrayContaining(['bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75']));
    // Data on stdout, logs (the COCO summary) on the command's stderr.
    expect(r.err).toContain('Evaluating bbox...');
    expect(r.out).not.toContain('Evaluating');
    const dets = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(dets.length).toBeGreaterThan(0);
    expect(Object.keys(dets[0]).sort()).toEqual(['bbox', 'category_id', 'image_id', 'score']);
    const pictures = fs.readdirSync(showDir);
    expect(pictures).toHaveLength(4);
    // 64×64 inputs are drawn enlarged 7× (to 448 px) so the labels are readable.
    expect((await sharp(path.join(showDir, pictures[0])).metadata()).width).toBe(448);
  });

  it('--aug-test merges the flipped view (MultiScaleFlipAug flip: true) and still evaluates', async () => {
    const r = await det('test', TINY_CONFIG, ckpt, '--aug-test', '--json', ...tinyCfgOptions(dataRoot, 'data.test.pipeline.1.flip=true', 'model.testCfg.scoreThr=0', 'cudnnBenchmark=true'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toHaveProperty('bbox_mAP');
    expect(r.err).toMatch(/cudnnBenchmark: nothing to tune on the \w+ backend/); // the config key (via --cfg-options) reaches test
  });

  it('--format-only needs --out', async () => {
    const r = await det('test', TINY_CONFIG, ckpt, '--format-only', ...tinyCfgOptions(dataRoot));
    expect(r.code).toBe(1);
    expect(r.err).toContain('--format-only writes the results to a file: give --out FILE too');
  });
});

describe('det infer', () => {
  it('prints COCO-style detections with class names (--json) and draws them (--out-dir)', async () => {
    const images = path.join(dataRoot, 'images', 'val');
    const outDir = path.join(root, 'infer');
    const r = await det('infer', TINY_CONFIG, ckpt, images, '--score-thr', '0', '--json', '--out-dir', outDir, ...tinyCfgOptions(dataRoot, 'model.testCfg.scoreThr=0'));
    expect(r.code).toBe(0);
    const dets = JSON.parse(r.out);
    expect(dets.length).toBeGreaterThan(0);
    for (const d of dets) {
      expect(Object.keys(d).sort()).toEqual(['bbox', 'category', 'category_id', 'file_name', 'score']);
      expect(CLASSES).toContain(d.category);
      expect(d.bbox[0]).toBeGreaterThanOrEqual(0);
      expect(d.bbox[0] + d.bbox[2]).toBeLessThanOrEqual(64.01);
    }
    expect(fs.readdirSync(outDir).sort()).toEqual(fs.readdirSync(images).sort().map((f) => f.replace(/\.[^.]+$/, '.jpg')));
    // What is drawn where is checked in api/draw.spec.ts; here: every picture is a readable JPEG.
    for (const f of fs.readdirSync(outDir)) expect((await sharp(path.join(outDir, f)).metadata()).format).toBe('jpeg');
  });

  it('prints a text table by default, without detections under the threshold', async () => {
    const image = path.join(dataRoot, 'images', 'val', fs.readdirSync(path.join(dataRoot, 'images', 'val'))[0]);
    const r = await det('infer', TINY_CONFIG, ckpt, image, '--score-thr', '1', '--cudnn-benchmark', ...tinyCfgOptions(dataRoot));
    expect(r.code).toBe(0);
    expect(r.out).toBe('file\tclass\tscore\tx1\ty1\tx2\ty2\n(no detections above the score threshold)\n');
    expect(r.err).toMatch(/cudnnBenchmark: nothing to tune on the (cpu|native|wasm|tensorflow) backend/); // the flag reaches infer too
  });
});

describe('det analyze-logs', () => {
  it('plots the losses and mAP of the run as a PNG and prints a summary', async () => {
    // The first run's JSON log (a run started in the same second shares it: MMCV's timestamps).
    const log = JSON.parse(trainRun.out).jsonLogFile as string;
    const points = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.mode === 'train' && 'loss_cls' in l).length;
    const out = path.join(root, 'curves.png');
    const r = await det('analyze-logs', log, '--keys', 'loss_cls', 'loss_bbox', 'bbox_mAP', '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^key\s+mode\s+points/);
    expect(points).toBeGreaterThanOrEqual(2);
    expect(r.out).toMatch(new RegExp(`^loss_cls\\s+train\\s+${points}\\s`, 'm'));
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('png');
    expect(meta.height).toBeGreaterThan(3 * 200);
  });
});
