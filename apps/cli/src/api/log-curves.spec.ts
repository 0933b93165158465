import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { logCurves, readJsonLog } from './log-curves';
import { niceTicks } from './plot-svg';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-log-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const writeLog = (name: string, lines: object[]) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return file;
};

describe('logCurves', () => {
  it('epoch-based log: train points at fractional epochs, val metrics at their epoch; the meta line is skipped', () => {
    const file = writeLog('epochs.log.json', [
      { env: { node: 'v20' }, config: {} },
      { mode: 'train', epoch: 1, iter: 50, lr: 0.01, loss_cls: 1.0, loss: 1.5, time: 0.5 },
      { mode: 'train', epoch: 1, iter: 100, lr: 0.01, loss_cls: 0.8, loss: 1.2, time: 0.5 },
      { mode: 'val', epoch: 1, iter: 20, bbox_mAP: 0.1 },
      { mode: 'train', epoch: 2, iter: 50, lr: 0.01, loss_cls: 0.6, loss: 1.0, time: 0.5 },
      { mode: 'train', epoch: 2, iter: 100, lr: 0.01, loss_cls: 0.5, loss: 0.9, time: 0.5 },
      { mode: 'val', epoch: 2, iter: 20, bbox_mAP: 0.3 },
    ]);
    const c = logCurves(readJsonLog(file), ['loss_cls', 'bbox_mAP']);
    expect(c.xLabel).toBe('epoch');
    expect(c.series).toEqual([
      { key: 'loss_cls', mode: 'train', xs: [0.5, 1, 1.5, 2], ys: [1.0, 0.8, 0.6, 0.5] },
      { key: 'bbox_mAP', mode: 'val', xs: [1, 2], ys: [0.1, 0.3] },
    ]);
    expect(c.available.train).toEqual(['loss', 'loss_cls', 'lr']);
  });

  it('iteration-based log: an evaluation in a train line sits one interval after the previous line', () => {
    const file = writeLog('iters.log.json', [
      { mode: 'train', epoch: 1, iter: 20, loss: 2, time: 0.4 },
      { mode: 'train', epoch: 1, iter: 40, loss: 1, time: 0.4 },
      // MMCV puts the number of val iterations (eval_iter_num) into `iter` of this line.
      { mode: 'train', epoch: 1, iter: 100, loss: 0.5, time: 0.4, bbox_mAP: 0.2 },
    ]);
    const c = logCurves(readJsonLog(file));
    expect(c.xLabel).toBe('iteration');
    expect(c.series.find((s) => s.key === 'bbox_mAP')).toEqual({ key: 'bbox_mAP', mode: 'train', xs: [60], ys: [0.2] });
    // Default keys: every loss, then every mAP.
    expect(c.series.map((s) => s.key)).toEqual(['loss', 'bbox_mAP']);
  });

  it("iteration-based log: a 'val' evaluation line sits at the iteration of the train line before it", () => {
    const file = writeLog('iters-val.log.json', [
      { mode: 'train', epoch: 1, iter: 350, loss: 2, time: 0.4 },
      { mode: 'train', epoch: 1, iter: 400, loss: 1, time: 0.4 },
      { mode: 'val', epoch: 1, iter: 100, bbox_mAP: 0.34 },
    ]);
    expect(logCurves(readJsonLog(file), ['bbox_mAP']).series).toEqual([{ key: 'bbox_mAP', mode: 'val', xs: [400], ys: [0.34] }]);
  });

  it('errors name the file, the line, or the keys the log has', () => {
    expect(() => readJsonLog(path.join(dir, 'none.json'))).toThrow(/does not exist/);
    const broken = path.join(dir, 'broken.log.json');
    fs.writeFileSync(broken, '{"mode":"train","iter":1,"epoch":1,"loss":1}\nnot json\n');
    expect(() => readJsonLog(broken)).toThrow(`${broken}:2 is not JSON`);
    const file = writeLog('k.log.json', [{ mode: 'train', epoch: 1, iter: 1, loss: 1 }]);
    expect(() => logCurves(readJsonLog(file), ['bbox_mAP'])).toThrow("key 'bbox_mAP' is not in the log; it has: loss");
  });
});

describe('niceTicks', () => {
  it('steps of 1, 2 or 5 × 10^k with labels as precise as the step', () => {
    expect(niceTicks(0, 10, 5).map((t) => t.label)).toEqual(['0', '2', '4', '6', '8', '10']);
    expect(niceTicks(0.722, 0.742, 5).map((t) => t.label)).toEqual(['0.725', '0.730', '0.735', '0.740']);
    expect(niceTicks(1.12, 1.13, 5).map((t) => t.value)).toHaveLength(6);
  });
});
