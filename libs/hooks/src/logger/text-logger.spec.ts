import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EpochBasedRunner, IterBasedRunner, SGD } from '@det/runner';
import '@tensorflow/tfjs-backend-cpu';
import { memoryMbOf, processMemoryMb, TextLoggerHook } from './text-logger-hook';
import { formatExp, formatTimedelta } from './format';
import { LinearModel, memoryLogger } from '../__fixtures__/linear-model';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-log-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('format helpers', () => {
  it('match Python formatting', () => {
    expect(formatExp(0.01)).toBe('1.000e-02');
    expect(formatExp(2.5e-5)).toBe('2.500e-05');
    expect(formatExp(123456)).toBe('1.235e+05');
    expect(formatTimedelta(754)).toBe('0:12:34');
    expect(formatTimedelta(86400 + 3661.9)).toBe('1 day, 1:01:01');
    expect(formatTimedelta(2 * 86400)).toBe('2 days, 0:00:00');
  });
});

describe('memory column', () => {
  it('is the device memory where the backend reports it (webgpu), else the resident set size, in MB', () => {
    expect(memoryMbOf({ numBytesAllocatedInGPU: 3 * 1024 * 1024 + 600_000 }, 999 * 1024 * 1024)).toBe(4);
    expect(memoryMbOf({}, 512 * 1024 * 1024)).toBe(512);
    // the cpu backend reports no device memory: this process's RSS (read twice, so within a few MB)
    expect(Math.abs(processMemoryMb() - process.memoryUsage().rss / (1024 * 1024))).toBeLessThan(8);
  });
});

describe('TextLoggerHook', () => {
  function setup(meta: Record<string, unknown> = { env: 'node', config: { a: 1 } }) {
    const model = new LinearModel();
    const logger = memoryLogger();
    const runner = new EpochBasedRunner({ model, optimizer: new SGD({ lr: 0.01 }, model.parameters()), workDir: dir, maxEpochs: 12, logger, meta });
    const hook = new TextLoggerHook({ interval: 50 });
    hook.memoryMb = () => 1234;
    runner.registerHook(hook, 'VERY_LOW');
    return { runner, hook, logger, model };
  }

  it('writes MMDetection train and val lines exactly', () => {
    const { runner, hook, logger, model } = setup();
    hook.beforeRun(runner);
    runner.mode = 'train';
    runner.dataLoader = { length: 734, [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }) };
    runner.maxIters = 734 * 12;
    runner.epoch = 0;
    runner.iter = 49;
    runner.innerIter = 49;
    Object.assign(runner.logBuffer.output, { data_time: 0.021, loss_cls: 0.87654, loss_bbox: 0.43212, loss: 1.30866, time: 0.512 });
    runner.logBuffer.ready = true;
    hook.log(runner);
    // eta = 0.512 s/iter × (8808 − 49 − 1) iterations = 4484 s
    expect(logger.lines.at(-1)).toBe(
      'Epoch [1][50/734]\tlr: 1.000e-02, eta: 1:14:44, time: 0.512, data_time: 0.021, memory: 1234, loss_cls: 0.8765, loss_bbox: 0.4321, loss: 1.3087',
    );
    runner.logBuffer.clearOutput();
    runner.mode = 'val';
    runner.epoch = 1;
    Object.assign(runner.logBuffer.output, { eval_iter_num: 100, bbox_mAP: 0.378, bbox_mAP_copypaste: '0.378 0.560' });
    hook.log(runner);
    expect(logger.lines.at(-1)).toBe('Epoch(val) [1][100]\tbbox_mAP: 0.3780, bbox_mAP_copypaste: 0.378 0.560');

    const json = fs.readFileSync(hook.jsonLogPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(path.basename(hook.jsonLogPath)).toBe(`${runner.timestamp}.log.json`);
    expect(json[0]).toEqual({ env: 'node', config: { a: 1 } });
    expect(json[1]).toEqual({ mode: 'train', epoch: 1, iter: 50, lr: 0.01, memory: 1234, data_time: 0.021, loss_cls: 0.87654, loss_bbox: 0.43212, loss: 1.30866, time: 0.512 });
    expect(json[2]).toMatchObject({ mode: 'val', epoch: 1, iter: 100, bbox_mAP: 0.378 });
    model.dispose();
  });

  it('logs a val workflow phase as Epoch(val) with the averaged losses', async () => {
    const { runner, hook, logger, model } = setup();
    runner.maxEpochs = 1;
    const { ShuffledLoader } = await import('../__fixtures__/linear-model');
    const { OptimizerHook } = await import('../optimizer-hook');
    const { IterTimerHook } = await import('../iter-timer-hook');
    runner.registerHook(new OptimizerHook(), 'ABOVE_NORMAL');
    runner.registerHook(new IterTimerHook(), 'LOW');
    void hook;
    await runner.run([new ShuffledLoader(4, 2), new ShuffledLoader(6, 2)], [['train', 1], ['val', 1]]);
    const val = logger.lines.filter((l) => l.startsWith('Epoch(val)'));
    expect(val).toHaveLength(1);
    expect(val[0]).toMatch(/^Epoch\(val\) \[1\]\[3\]\tloss_mse: \d\.\d{4}, loss: \d\.\d{4}$/);
    // the train lines come only at full intervals (50 > 2 iterations, ignoreLast): none here
    expect(logger.lines.some((l) => l.startsWith('Epoch [1]'))).toBe(false);
    model.dispose();
  });

  it('uses Iter [n/max] by iteration', async () => {
    const model = new LinearModel();
    const logger = memoryLogger();
    const runner = new IterBasedRunner({ model, optimizer: new SGD({ lr: 0.02 }, model.parameters()), workDir: dir, maxIters: 100, logger });
    const hook = new TextLoggerHook({ interval: 10, byEpoch: false });
    hook.memoryMb = () => 7;
    runner.registerHook(hook);
    hook.beforeRun(runner);
    runner.mode = 'train';
    runner.iter = 9;
    Object.assign(runner.logBuffer.output, { data_time: 0.01, loss: 0.5, time: 0.1 });
    hook.log(runner);
    expect(logger.lines.at(-1)).toBe('Iter [10/100]\tlr: 2.000e-02, eta: 0:00:09, time: 0.100, data_time: 0.010, memory: 7, loss: 0.5000');
    model.dispose();
  });
});
