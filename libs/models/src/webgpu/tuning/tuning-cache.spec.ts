import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resetKernelTuning, setKernelTuning, setTunedChoice, tunedChoice, tunedChoices, type TuningRequest } from './kernel-tuner';
import { tuneQueuedKernels, useTuningCache } from './tune-between-steps';
import { loadTuningCache, saveTuningCache, tuningCacheSection } from './tuning-cache';

describe('kernel tuning cache file', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-tuning-')); resetKernelTuning(); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); resetKernelTuning(); });
  const never = () => { throw new Error('not queued: the cached choice is used'); };

  it('saves the choices per adapter and loads them back for the same adapter only', () => {
    const file = path.join(dir, 'sub', 'tuning.json');
    setTunedChoice('Conv2DBackpropInput', '64→32 k3x3 s2x2 p0,0,1,1 px≈2^9', 'phase-gemm:E_64x16k16_4x4');
    saveTuningCache(file, 'gpu A');
    resetKernelTuning();
    setTunedChoice('Conv2D', 'k', 'tfjs');
    saveTuningCache(file, 'gpu B');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['tuning.json']); // no temp file left behind
    resetKernelTuning();
    expect(loadTuningCache(file, 'gpu A')).toBe(1);
    expect(tunedChoice('Conv2DBackpropInput', '64→32 k3x3 s2x2 p0,0,1,1 px≈2^9', 'default', never)).toBe('phase-gemm:E_64x16k16_4x4');
    expect(tunedChoices()).toHaveLength(1); // gpu B's entry was not loaded
    resetKernelTuning();
    expect(loadTuningCache(file, 'gpu C')).toBe(0);
  });

  it('keeps f16 (matrix-unit) and f32 choices of one adapter apart', () => {
    const file = path.join(dir, 'tuning.json');
    const f32 = tuningCacheSection('gpu A', null);
    const f16 = tuningCacheSection('gpu A', { M: 16, N: 16, K: 16 });
    expect(f32).toBe('gpu A'); // caches written before f16 existed stay valid
    expect(f16).toBe('gpu A · conv precision f16 (16×16×16)');
    setTunedChoice('Conv2D', 'k', 'phase-gemm:A_64x64k16_4x4');
    saveTuningCache(file, f32);
    resetKernelTuning();
    setTunedChoice('Conv2D', 'k', 'phase-sgmat:S_64x64k32_2x2');
    saveTuningCache(file, f16);
    resetKernelTuning();
    expect(loadTuningCache(file, f16)).toBe(1);
    expect(tunedChoice('Conv2D', 'k', 'default', never)).toBe('phase-sgmat:S_64x64k32_2x2');
    resetKernelTuning();
    expect(loadTuningCache(file, f32)).toBe(1);
    expect(tunedChoice('Conv2D', 'k', 'default', never)).toBe('phase-gemm:A_64x64k16_4x4');
  });

  it('a tuning pass saves after every shape: one that is interrupted keeps what it measured', async () => {
    await tf.setBackend('cpu');
    const file = path.join(dir, 'tuning.json');
    useTuningCache(file, 'gpu A');
    setKernelTuning(true);
    let seenMidPass: unknown;
    const request = (observe: boolean): TuningRequest => ({
      inputs: [[2]],
      candidates: ['a', 'b'].map((name) => ({
        name,
        run: () => {
          if (observe && seenMidPass === undefined) seenMidPass = JSON.parse(fs.readFileSync(file, 'utf8')).adapters['gpu A'];
          return tf.zeros([2]);
        },
      })),
    });
    try {
      tunedChoice('K', 'first', 'a', () => request(false));
      tunedChoice('K', 'second', 'a', () => request(true));
      await tuneQueuedKernels();
      expect(Object.keys(seenMidPass as object)).toEqual(['K|first']); // on disk before the second shape ran
      expect(Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')).adapters['gpu A']).sort()).toEqual(['K|first', 'K|second']);
    } finally {
      setKernelTuning(false);
    }
  });

  it('a missing file loads nothing; a malformed one is an error naming the file', () => {
    expect(loadTuningCache(path.join(dir, 'none.json'), 'gpu')).toBe(0);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"adapters": 3');
    expect(() => loadTuningCache(bad, 'gpu')).toThrow(/bad\.json: not valid JSON/);
    fs.writeFileSync(bad, '{"adapters": {}}');
    expect(() => loadTuningCache(bad, 'gpu')).toThrow(/bad\.json: expected \{ format/);
  });
});
