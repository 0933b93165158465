import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resetKernelTuning, setTunedChoice, tunedChoice, tunedChoices } from './kernel-tuner';
import { loadTuningCache, saveTuningCache } from './tuning-cache';

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

  it('a missing file loads nothing; a malformed one is an error naming the file', () => {
    expect(loadTuningCache(path.join(dir, 'none.json'), 'gpu')).toBe(0);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"adapters": 3');
    expect(() => loadTuningCache(bad, 'gpu')).toThrow(/bad\.json: not valid JSON/);
    fs.writeFileSync(bad, '{"adapters": {}}');
    expect(() => loadTuningCache(bad, 'gpu')).toThrow(/bad\.json: expected \{ format/);
  });
});
