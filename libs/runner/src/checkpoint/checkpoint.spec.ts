import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { globalRng, setGlobalSeed, type Logger } from '@det/registry';
import { FileCheckpointStore, TEMP_PREFIX } from './file-store';
import { decodeCheckpoint, encodeCheckpoint } from './codec';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { findLatestCheckpoint } from './find-latest';
import { EpochBasedRunner } from '../runners/epoch-based-runner';
import { IterBasedRunner } from '../runners/iter-based-runner';
import { SGD } from '../optim/sgd';
import { Hook } from '../hooks/hook';
import { LinearModel, ShuffledLoader } from '../__fixtures__/linear-model';
import { ApplyGradsHook } from '../__fixtures__/recording-hooks';

const quiet = (): Logger & { lines: string[] } => {
  const lines: string[] = [];
  const log = (m: string) => void lines.push(m);
  return { level: 'info', lines, debug: log, info: log, warn: log, error: log };
};

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-ckpt-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Dies after writing half of the bytes, like a crash or a full disk mid-write. */
class CrashingStore extends FileCheckpointStore {
  protected override async writeAll(handle: fs.promises.FileHandle, bytes: Uint8Array): Promise<void> {
    await handle.write(bytes, 0, bytes.byteLength >> 1);
    throw new Error('simulated crash');
  }
}

describe('FileCheckpointStore', () => {
  it('a write that fails mid-way keeps the previous file and leaves no partial file', async () => {
    const file = path.join(dir, 'epoch_1.safetensors');
    const good = new Uint8Array(1000).fill(7);
    await new FileCheckpointStore().save(file, good);
    await expect(new CrashingStore().save(file, new Uint8Array(5000).fill(9))).rejects.toThrow(/epoch_1.safetensors failed \(simulated crash\); the previous file is untouched/);
    expect(new Uint8Array(fs.readFileSync(file))).toEqual(good);
    expect(fs.readdirSync(dir)).toEqual(['epoch_1.safetensors']);
  });

  it('concurrent saves of one file each land whole (unique temp names)', async () => {
    const file = path.join(dir, 'latest.safetensors');
    const store = new FileCheckpointStore();
    const payloads = [1, 2, 3, 4].map((v) => new Uint8Array(100_000).fill(v));
    await Promise.all(payloads.map((p) => store.save(file, p)));
    const got = new Uint8Array(fs.readFileSync(file));
    expect(payloads.some((p) => Buffer.from(p).equals(Buffer.from(got)))).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['latest.safetensors']);
  });

  it('a process killed mid-write leaves only a temp file that nothing picks up', async () => {
    const store = new FileCheckpointStore();
    const model = new LinearModel();
    await saveCheckpoint(path.join(dir, 'epoch_1.safetensors'), { model, meta: { epoch: 1, iter: 4 }, store });
    // A killed writer: the temp file exists, the rename never happened.
    const bytes = encodeCheckpoint({ stateDict: {}, meta: { epoch: 2, iter: 8 } });
    fs.writeFileSync(path.join(dir, `${TEMP_PREFIX}epoch_2.safetensors.123.456`), bytes.slice(0, 10));
    expect(findLatestCheckpoint(dir)).toBe(path.join(dir, 'epoch_1.safetensors'));
    const ckpt = await loadCheckpoint(findLatestCheckpoint(dir)!, { store });
    expect(ckpt.meta.epoch).toBe(1);
    model.dispose();
  });
});

describe('checkpoint codec', () => {
  it('round-trips weights, optimizer arrays and meta with nested arrays', async () => {
    const model = new LinearModel();
    const opt = new SGD({ lr: 0.1, momentum: 0.9 }, model.parameters());
    const g = { 'fc.weight': tf.tensor1d([1, 2, 3]), 'fc.bias': tf.tensor1d([0.5]) };
    opt.step(g);
    const file = path.join(dir, 'c.safetensors');
    await saveCheckpoint(file, { model, optimizer: opt, meta: { epoch: 3, config: { a: [1, 2] }, hookStates: { H: { buf: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } } } } });
    const ckpt = decodeCheckpoint(new Uint8Array(fs.readFileSync(file)), file);
    expect(Array.from(ckpt.stateDict['fc.weight'].data as Float32Array)).toEqual(Array.from(model.w.dataSync()));
    expect(ckpt.meta).toMatchObject({ epoch: 3, config: { a: [1, 2] } });
    expect(Array.from((ckpt.meta.hookStates as any).H.buf.data)).toEqual([1, 2]);
    expect(Array.from((ckpt.optimizer!.state['fc.weight'].momentumBuffer as any).data)).toEqual([1, 2, 3]);
    tf.dispose(Object.values(g));
    opt.dispose();
    model.dispose();
  });

  it('names the file when it is not a checkpoint', () => {
    expect(() => decodeCheckpoint(new Uint8Array([1, 2, 3]), '/x/bad.safetensors')).toThrow(/\/x\/bad.safetensors: not a valid safetensors file/);
  });

  it('findLatestCheckpoint prefers latest, else the highest number', () => {
    for (const f of ['epoch_2.safetensors', 'epoch_10.safetensors', 'best_bbox_mAP_epoch_3.safetensors']) fs.writeFileSync(path.join(dir, f), '');
    expect(findLatestCheckpoint(dir)).toBe(path.join(dir, 'epoch_10.safetensors'));
    fs.writeFileSync(path.join(dir, 'latest.safetensors'), '');
    expect(findLatestCheckpoint(dir)).toBe(path.join(dir, 'latest.safetensors'));
    expect(findLatestCheckpoint(path.join(dir, 'nope'))).toBeUndefined();
  });
});

/** Saves a checkpoint after each train epoch (what CheckpointHook does, kept local to this package). */
class SaveEachEpoch extends Hook {
  override async afterTrainEpoch(runner: EpochBasedRunner): Promise<void> {
    await runner.saveCheckpoint(runner.workDir);
  }
}

class CountingHook extends Hook {
  count = 0;
  override afterTrainIter(): void { this.count++; }
  override stateDict(): Record<string, unknown> { return { count: this.count }; }
  override loadStateDict(s: Record<string, unknown>): void { this.count = s.count as number; }
}

/** A 2-epoch schedule; `stopAfter` interrupts it like a killed job, `resumeFrom` continues one. */
async function train(workDir: string, stopAfter?: number, resumeFrom?: string) {
  const maxEpochs = 2;
  const model = new LinearModel();
  const optimizer = new SGD({ lr: 0.05, momentum: 0.9, weightDecay: 1e-3, nesterov: true }, model.parameters());
  const meta = { config: `run ${path.basename(workDir)}`, ...(resumeFrom ? {} : { hookMsgs: { fromCkpt: `run ${path.basename(workDir)}` } }) };
  const runner = new EpochBasedRunner({ model, optimizer, workDir, maxEpochs, logger: quiet(), meta });
  const counter = new CountingHook();
  runner.registerHook(new ApplyGradsHook(), 'ABOVE_NORMAL');
  runner.registerHook(new SaveEachEpoch());
  class Seed extends Hook { override beforeTrainEpoch(r: EpochBasedRunner): void { (r.dataLoader as ShuffledLoader).setEpoch(r.epoch); } }
  runner.registerHook(new Seed());
  class Stop extends Hook { override afterTrainEpoch(r: EpochBasedRunner): void { if (stopAfter && r.epoch + 1 >= stopAfter) r.stop = true; } }
  runner.registerHook(new Stop(), 'LOWEST');
  if (resumeFrom) await runner.resume(resumeFrom);
  runner.registerHook(counter); // registered after resume: run() hands it its saved state
  await runner.run([new ShuffledLoader(10, 3)], [['train', 1]]);
  return { runner, model, optimizer, counter };
}

describe('runner checkpoints', () => {
  it('resume continues exactly: 2 epochs == 1 epoch + resume for 1 (weights within 1e-6)', async () => {
    setGlobalSeed(7);
    const a = await train(path.join(dir, 'a'));
    const wantW = Array.from(a.model.w.dataSync());
    const wantB = a.model.b.dataSync()[0];
    const wantRng = globalRng().getState();

    setGlobalSeed(7);
    const b1 = await train(path.join(dir, 'b'), 1);
    expect(b1.runner.iter).toBe(4);
    expect(b1.runner.epoch).toBe(1);
    globalRng().seed(999); // a fresh process would not have the same stream position
    const b2 = await train(path.join(dir, 'b2'), undefined, path.join(dir, 'b', 'latest.safetensors'));
    expect(b2.runner.epoch).toBe(2);
    expect(b2.runner.iter).toBe(8);
    expect(b2.counter.count).toBe(8);
    expect(b2.runner.meta).toEqual({ config: 'run b2', hookMsgs: { fromCkpt: 'run b' } });
    Array.from(b2.model.w.dataSync()).forEach((v, i) => expect(Math.abs(v - wantW[i])).toBeLessThanOrEqual(1e-6));
    expect(Math.abs(b2.model.b.dataSync()[0] - wantB)).toBeLessThanOrEqual(1e-6);
    expect(globalRng().getState()).toEqual(wantRng);
    // and resuming without the momentum buffers would differ: the test can fail
    expect(Math.abs(b1.model.w.dataSync()[0] - wantW[0])).toBeGreaterThan(1e-4);
    for (const r of [a, b1, b2]) { r.optimizer.dispose(); r.model.dispose(); }
  });

  it.each([6, 8])('IterBasedRunner: 10 iterations == %i + resume, the loader continuing where it was', async (stopIter) => {
    const run = async (workDir: string, stopAt?: number, resumeFrom?: string) => {
      const model = new LinearModel();
      const optimizer = new SGD({ lr: 0.05, momentum: 0.9 }, model.parameters());
      const runner = new IterBasedRunner({ model, optimizer, workDir, maxIters: 10, logger: quiet() });
      const loader = new ShuffledLoader(8, 2); // 4 batches per epoch, reshuffled per epoch
      runner.registerHook(new ApplyGradsHook(), 'ABOVE_NORMAL');
      class SaveAndStop extends Hook {
        override async afterTrainIter(r: IterBasedRunner): Promise<void> {
          if (stopAt && r.iter + 1 === stopAt) {
            await r.saveCheckpoint(r.workDir);
            r.stop = true;
          }
        }
      }
      runner.registerHook(new SaveAndStop());
      class SeedLoader extends Hook { // as DistSamplerSeedHook
        override beforeEpoch(r: IterBasedRunner): void { (r.dataLoader ?? loader).setEpoch(r.epoch); }
      }
      runner.registerHook(new SeedLoader());
      if (resumeFrom) await runner.resume(resumeFrom);
      await runner.run([loader], [['train', 1]]);
      return { model, optimizer, loader, runner };
    };
    setGlobalSeed(5);
    const full = await run(path.join(dir, 'full'));
    setGlobalSeed(5);
    const part = await run(path.join(dir, 'part'), stopIter);
    expect(part.runner.iter).toBe(stopIter);
    const resumed = await run(path.join(dir, 'resumed'), undefined, path.join(dir, 'part', `iter_${stopIter}.safetensors`));
    expect(resumed.loader.setEpochCalls.at(-1)).toBe(2);
    const want = [...full.model.w.dataSync(), ...full.model.b.dataSync()];
    [...resumed.model.w.dataSync(), ...resumed.model.b.dataSync()].forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-6));
    for (const r of [full, part, resumed]) { r.optimizer.dispose(); r.model.dispose(); }
  });

  it('loadCheckpoint with strict false loads what matches and logs the rest', async () => {
    const model = new LinearModel();
    model.w.assign(tf.tensor1d([9, 8, 7]));
    const file = path.join(dir, 'w.safetensors');
    await saveCheckpoint(file, { model, meta: {} });
    const other = new LinearModel();
    const logger = quiet();
    const runner = new EpochBasedRunner({ model: other, workDir: dir, maxEpochs: 1, logger });
    // Drop the bias from the file to produce a missing key.
    const ckpt = decodeCheckpoint(new Uint8Array(fs.readFileSync(file)));
    delete ckpt.stateDict['fc.bias'];
    ckpt.stateDict['extra.weight'] = { dtype: 'F32', shape: [1], data: new Float32Array([1]) };
    ckpt.stateDict['module.fc.weight'] = ckpt.stateDict['fc.weight']; // as saved from a wrapped PyTorch model
    delete ckpt.stateDict['fc.weight'];
    fs.writeFileSync(file, encodeCheckpoint(ckpt));
    await runner.loadCheckpoint(file, { strict: false });
    expect(Array.from(other.w.dataSync())).toEqual([9, 8, 7]);
    expect(logger.lines.join('\n')).toMatch(/missing keys: fc.bias; unexpected keys: extra.weight/);
    await expect(runner.loadCheckpoint(file, { strict: true })).rejects.toThrow(/does not match the model — missing keys: fc.bias/);
    model.dispose();
    other.dispose();
  });
});
