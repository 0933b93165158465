import * as fs from 'node:fs';
import * as path from 'node:path';
import { TINY_CONFIG, det, tempDir, tinyCfgOptions } from '../testing/det-in-process';

// Every user mistake ends in one paragraph on stderr naming the culprit, exit code 1 and no stack
// trace (unless --debug).
const root = tempDir('bad');
const dataRoot = path.join(root, 'data');
const workDir = path.join(root, 'work');
const ckpt = path.join(workDir, 'latest.safetensors');
const image = () => path.join(dataRoot, 'images', 'val', fs.readdirSync(path.join(dataRoot, 'images', 'val'))[0]);

beforeAll(async () => {
  const r = await det('train', TINY_CONFIG, '--work-dir', workDir, '--no-validate', ...tinyCfgOptions(dataRoot));
  if (r.code !== 0) throw new Error(`training the fixture failed:\n${r.err}`);
}, 120_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function expectUserError(r: { code: number; out: string; err: string }, ...fragments: (string | RegExp)[]): void {
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  const message = r.err.slice(r.err.indexOf('det: error: '));
  expect(message).toMatch(/^det: error: /);
  for (const f of fragments) expect(message).toMatch(f);
  expect(message).not.toMatch(/^\s+at /m);
  expect(message.endsWith('(run with --debug for the stack trace)\n')).toBe(true);
}

describe('bad input', () => {
  it('a config that does not exist', async () => {
    const missing = path.join(root, 'no_such_config.ts');
    expectUserError(await det('train', missing), missing);
  });

  it('a checkpoint that does not exist (test and infer)', async () => {
    const missing = path.join(root, 'nope.safetensors');
    expectUserError(await det('test', TINY_CONFIG, missing, ...tinyCfgOptions(dataRoot)), `checkpoint '${missing}' does not exist`);
    expectUserError(await det('infer', TINY_CONFIG, missing, image(), ...tinyCfgOptions(dataRoot)), `checkpoint '${missing}' does not exist`);
  });

  it('a file that is not a checkpoint', async () => {
    const bogus = path.join(root, 'bogus.safetensors');
    fs.writeFileSync(bogus, 'hello, I am text');
    expectUserError(await det('infer', TINY_CONFIG, bogus, image(), ...tinyCfgOptions(dataRoot)), bogus);
  });

  it('an image path that does not exist', async () => {
    const missing = path.join(root, 'missing.jpg');
    expectUserError(await det('infer', TINY_CONFIG, ckpt, missing, ...tinyCfgOptions(dataRoot)), `image '${missing}' does not exist`);
  });

  it('an image that is not an image', async () => {
    const text = path.join(root, 'notes.jpg');
    fs.writeFileSync(text, 'these are not pixels\n');
    expectUserError(await det('infer', TINY_CONFIG, ckpt, text, ...tinyCfgOptions(dataRoot)), `'${text}' is not an image det can read`);
  });

  it('a checkpoint of another architecture lists a few mismatched keys', async () => {
    // Same detector with a wider head: every head conv has another shape.
    const r = await det('test', TINY_CONFIG, ckpt, ...tinyCfgOptions(dataRoot, 'model.bboxHead.featChannels=16'));
    expectUserError(r, `checkpoint '${ckpt}' does not fit the model`, /6 with a different shape: bbox_head\.cls_convs\.0\.conv\.weight model \[3,3,8,16\] vs checkpoint \[3,3,8,8\]/, /\(and \d+ more\)/);
    // One paragraph, not a dump of every key.
    expect(r.err.length).toBeLessThan(1200);
  });

  it('a checkpoint of another detector type says which type it was trained as', async () => {
    const yolo = path.join(__dirname, '..', '__fixtures__', 'configs', 'e2e', 'tiny_yolo.ts');
    const r = await det('test', yolo, ckpt, '--plugin', '@det-contrib/yolo-head', ...tinyCfgOptions(dataRoot));
    expectUserError(r, "(it was trained as a 'RetinaNet', the config builds a 'YOLOV3')", /missing from the checkpoint: bbox_head\.convs_bridge/);
  });

  it('a config naming an unknown type suggests the nearest registered name', async () => {
    const r = await det('train', TINY_CONFIG, '--work-dir', path.join(root, 'typo'), ...tinyCfgOptions(dataRoot, 'model.backbone.type=TinyNett'));
    expectUserError(r, 'TinyNett', /[Dd]id you mean 'TinyNet'/, 'model.backbone');
  });

  it('a plugin whose register() fails is named with its error', async () => {
    const plugin = path.join(__dirname, '..', '__fixtures__', 'failing-plugin');
    const r = await det('train', TINY_CONFIG, '--plugin', plugin, ...tinyCfgOptions(dataRoot));
    expectUserError(r, "plugin 'failing-plugin'", 'register() failed: cannot find the CUDA toolkit');
  });

  it('--debug adds the stack trace', async () => {
    const missing = path.join(root, 'missing.jpg');
    const r = await det('--debug', 'infer', TINY_CONFIG, ckpt, missing, ...tinyCfgOptions(dataRoot));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^\s+at /m);
  });
});
