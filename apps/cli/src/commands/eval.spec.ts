import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../main';

/** Shared reference vectors: $DET_VECTORS, default ../shared/vectors of the repo root. */
function readVectors<T>(file: string): T {
  let root = __dirname;
  while (!fs.existsSync(path.join(root, 'nx.json'))) root = path.dirname(root);
  const dir = path.resolve(root, process.env.DET_VECTORS ?? '../shared/vectors');
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as T;
}

interface CocoCase {
  name: string;
  inputs: { gt: { categories: { id: number; name: string }[] }; detections: Record<string, unknown>[] };
  expected: { stats: number[]; per_category: Record<string, { AP: number }>; summary_text: string };
}
const { cases } = readVectors<{ cases: CocoCase[] }>('coco_eval.json');

async function det(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'det-eval-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, value: unknown) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};

describe('det eval', () => {
  it.each(cases.map((c) => [c.name, c] as const))('--json on shared case %s prints the expected stats', async (name, c) => {
    const gt = write(`${name}.gt.json`, c.inputs.gt);
    const dets = write(`${name}.dets.json`, c.inputs.detections);
    const r = await det('eval', '--gt', gt, '--dets', dets, '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(Object.keys(out)).toEqual(['stats', 'perCategory']);
    // Same float64 operations in numpy's order: last-bit differences at most.
    out.stats.forEach((s: number, i: number) => expect(Math.abs(s - c.expected.stats[i])).toBeLessThanOrEqual(1e-12));
    for (const [cat, want] of Object.entries(c.expected.per_category)) {
      expect(Math.abs(out.perCategory[cat] - want.AP)).toBeLessThanOrEqual(1e-12);
    }
  });

  it('prints the pycocotools summary and a per-category table', async () => {
    const c = cases[0];
    const r = await det('eval', '--gt', write('s.gt.json', c.inputs.gt), '--dets', write('s.dets.json', c.inputs.detections));
    expect(r.code).toBe(0);
    expect(r.out.startsWith(`${c.expected.summary_text}\n`)).toBe(true);
    const names = c.inputs.gt.categories.map((k) => k.name);
    expect(r.out).toMatch(/^category\s+AP\s+category\s+AP$/m);
    expect(r.out).toContain(names[0]);
  });

  describe('malformed input fails with a message naming the file and the entry', () => {
    const c = cases[0];
    const gtFile = () => write('ok.gt.json', c.inputs.gt);
    const fails = async (argv: string[], message: string | RegExp) => {
      const r = await det('eval', ...argv);
      expect(r.code).not.toBe(0);
      expect(r.out).toBe('');
      expect(r.err).toMatch(message);
    };

    it('missing file', () => fails(['--gt', path.join(tmp, 'nope.json'), '--dets', gtFile()], /--gt file '.*nope\.json' cannot be read: no such file/));

    it('bad JSON', async () => {
      const bad = write('bad.json', '[{"image_id": 1,');
      await fails(['--gt', gtFile(), '--dets', bad], /--dets file '.*bad\.json' is not valid JSON/);
    });

    it('unknown image_id / category_id', async () => {
      const dets = [...c.inputs.detections];
      dets[3] = { ...dets[3], image_id: 9999 };
      await fails(['--gt', gtFile(), '--dets', write('img.json', dets)], /img\.json: results\[3\] has image_id 9999, which is not an image of the ground truth/);
      dets[3] = { ...c.inputs.detections[3], category_id: 77 };
      await fails(['--gt', gtFile(), '--dets', write('cat.json', dets)], /cat\.json: results\[3\] has category_id 77/);
    });

    it('negative or NaN box sizes and missing keys', async () => {
      const dets = [...c.inputs.detections];
      dets[2] = { ...dets[2], bbox: [1, 2, 3, -4] };
      await fails(['--gt', gtFile(), '--dets', write('neg.json', dets)], /neg\.json: results\[2\]\.bbox has a negative height/);
      // NaN cannot appear in JSON; null (what JSON.stringify writes for NaN) is rejected the same way.
      dets[2] = { ...c.inputs.detections[2], bbox: [1, 2, NaN, 4] };
      await fails(['--gt', gtFile(), '--dets', write('nan.json', dets)], /nan\.json: results\[2\]\.bbox must be \[x, y, w, h\] of 4 finite numbers/);
      const { score: _drop, ...noScore } = c.inputs.detections[5];
      dets[2] = c.inputs.detections[2];
      dets[5] = noScore;
      await fails(['--gt', gtFile(), '--dets', write('noscore.json', dets)], /noscore\.json: results\[5\] has no 'score'/);
    });

    it('unsupported --iou-type', () => fails(['--gt', gtFile(), '--dets', gtFile(), '--iou-type', 'segm'], /--iou-type 'segm' is not supported/));
  });
});
