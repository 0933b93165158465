import * as fs from 'node:fs';
import * as path from 'node:path';
import { det } from './testing/det-in-process';

// docs/plugins.md's "minimal plugin from scratch" must work when copied: take its files (fenced
// blocks tagged `file=PATH`) and its train command from the page, and run them.
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const page = fs.readFileSync(path.join(repoRoot, 'docs', 'plugins.md'), 'utf8');

/** `{ path: content }` of every ```lang file=PATH block. */
function snippetFiles(markdown: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const m of markdown.matchAll(/^```\w*\s+file=(\S+)\n([\s\S]*?)^```$/gm)) files[m[1]] = m[2];
  return files;
}

// The page tells the reader to create my-det-plugin/ beside configs/: a scratch folder in the repo
// (gitignored .tmp/) with a link to configs/ gives the same layout, and @det/* resolve from it.
const scratch = path.join(repoRoot, '.tmp', `docs-plugin-${process.pid}`);
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

it('the minimal plugin of docs/plugins.md trains as documented', async () => {
  const files = snippetFiles(page);
  expect(Object.keys(files).sort()).toEqual(['my-det-plugin/hello_config.ts', 'my-det-plugin/index.js', 'my-det-plugin/package.json']);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(scratch, rel)), { recursive: true });
    fs.writeFileSync(path.join(scratch, rel), content);
  }
  fs.symlinkSync(path.join(repoRoot, 'configs'), path.join(scratch, 'configs'));
  const command = /^det (train my-det-plugin\/hello_config\.ts .*)$/m.exec(page)?.[1];
  expect(command).toBeDefined();
  const args = command!.split(/\s+/);
  args[1] = path.join(scratch, args[1]);
  const data = path.join(scratch, 'data');
  const r = await det(...args, '--work-dir', path.join(scratch, 'work'), '--cfg-options',
    ...['train', 'val', 'test'].map((s) => `data.${s}.dataRoot=${data}`), 'data.train.numTrain=16', 'data.train.numVal=4',
    'data.val.numTrain=16', 'data.val.numVal=4', 'data.test.numTrain=16', 'data.test.numVal=4');
  expect(r.err).not.toMatch(/det: (internal )?error/);
  expect(r.code).toBe(0);
  expect(r.err).toContain('hello from iteration 1');
  expect(r.err).toContain('hello from iteration 2');
  const list = await det('list', 'hook');
  expect(list.out).toMatch(/HelloHook.*my-det-plugin/);
});
