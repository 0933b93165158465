import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  hasPendingTuning, kernelTuningResults, MIN_TUNING_GAIN, pickFastest, TIMED_RUNS, resetKernelTuning, setKernelTuning, setTunedChoice,
  tunedChoice, tunePendingKernels, type TuningRequest,
} from './kernel-tuner';
import { timeOnDevice, type DeviceTimer } from './device-timer';
import { autotuneFromEnv } from '../setup';

// The selection logic with a fake timer (device-free): each candidate's run records its name,
// and the fake timer charges the time listed for that name. Outputs are zeros (all agree with
// the default's) unless a candidate is listed as wrong.
let lastRun = '';
const fakeTimer = (ms: Record<string, number>): DeviceTimer => async (run) => {
  (run() as tf.Tensor).dispose();
  return ms[lastRun];
};

function request(names: string[], seen: number[][][] = [], fail: string[] = [], wrong: string[] = []): TuningRequest {
  return {
    inputs: [[2, 3], [4]],
    candidates: names.map((name) => ({
      name,
      run: (inputs) => {
        lastRun = name;
        seen.push(inputs.map((t) => t.shape));
        if (fail.includes(name)) throw new Error(`${name} exploded`);
        return wrong.includes(name) ? tf.fill([2, 3], 0.5) : tf.zeros([2, 3]);
      },
    })),
  };
}

describe('kernel tuning', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });
  beforeEach(() => { resetKernelTuning(); setKernelTuning(false); });

  it('runs the default and queues nothing while tuning is off', () => {
    const make = jest.fn(() => request(['a', 'b']));
    expect(tunedChoice('K', 'shape1', 'a', make)).toBe('a');
    expect(make).not.toHaveBeenCalled();
    expect(hasPendingTuning()).toBe(false);
  });

  it('queues a new shape once, times every candidate on inputs of its shapes, then keeps the fastest', async () => {
    setKernelTuning(true);
    const seen: number[][][] = [];
    const make = jest.fn(() => request(['a', 'b', 'c'], seen));
    expect(tunedChoice('K', 'shape1', 'a', make)).toBe('a');
    expect(tunedChoice('K', 'shape1', 'a', make)).toBe('a');
    expect(make).toHaveBeenCalledTimes(1);
    const before = tf.memory().numTensors;
    tunedChoice('K', 'shape2', 'a', () => request(['a']));
    const progress = jest.fn();
    const [result] = await tunePendingKernels({ timer: fakeTimer({ a: 1, b: 0.5, c: 0.8 }), onProgress: progress });
    expect(progress.mock.calls).toEqual([[1, 2], [2, 2]]);
    expect(tf.memory().numTensors).toBe(before); // random inputs and outputs released
    expect(result).toMatchObject({ kernel: 'K', key: 'shape1', choice: 'b', default: 'a', ms: { a: 1, b: 0.5, c: 0.8 }, failed: {} });
    expect(seen).toHaveLength(3 * (1 + TIMED_RUNS)); // one checked warm-up run and the timed runs per candidate
    for (const shapes of seen) expect(shapes).toEqual([[2, 3], [4]]);
    expect(hasPendingTuning()).toBe(false);
    expect(tunedChoice('K', 'shape1', 'a', make)).toBe('b');
    expect(make).toHaveBeenCalledTimes(1);
    expect(kernelTuningResults()[0]).toEqual(result);
  });

  it('keeps the default unless a candidate beats it by MIN_TUNING_GAIN', async () => {
    setKernelTuning(true);
    tunedChoice('K', 'close', 'a', () => request(['a', 'b']));
    const [r] = await tunePendingKernels({ timer: fakeTimer({ a: 1, b: 1 / (MIN_TUNING_GAIN * 0.99) }) });
    expect(r.choice).toBe('a');
  });

  it('times the candidates in rounds: a GPU clock ramp during the first timings does not count against the default', async () => {
    setKernelTuning(true);
    tunedChoice('K', 'ramp', 'a', () => request(['a', 'b']));
    // every timing is inflated by a ramp that settles after 3 timings: a and b are equally fast
    let calls = 0;
    const ramp: DeviceTimer = async (run) => {
      (run() as tf.Tensor).dispose();
      return Math.max(1, 4 - calls++);
    };
    const [r] = await tunePendingKernels({ timer: ramp });
    expect(r.ms).toEqual({ a: 1, b: 1 }); // all the default's runs first would have given a: 2, b: 1
    expect(r.choice).toBe('a');
  });

  it('records a failing candidate and never chooses it', async () => {
    setKernelTuning(true);
    tunedChoice('K', 'f', 'a', () => request(['a', 'b'], [], ['b']));
    const [r] = await tunePendingKernels({ timer: fakeTimer({ a: 1, b: 0.1 }) });
    expect(r.choice).toBe('a');
    expect(r.failed).toEqual({ b: 'b exploded' });
  });

  it('rejects a candidate whose output differs from the default\'s, however fast', async () => {
    setKernelTuning(true);
    // the default is listed last: it still runs first, as the reference
    tunedChoice('K', 'w', 'a', () => request(['b', 'c', 'a'], [], [], ['b']));
    const before = tf.memory().numTensors;
    const [r] = await tunePendingKernels({ timer: fakeTimer({ a: 1, b: 0.1, c: 0.5 }) });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.choice).toBe('c');
    expect(r.failed).toEqual({ b: expect.stringMatching(/^output differs from the default's by .* of its largest value$/) });
  });

  it('pickFastest ignores non-finite times and falls back when nothing was timed', () => {
    expect(pickFastest({ a: 2, b: NaN, c: 1 }, 'a')).toBe('c');
    expect(pickFastest({ a: NaN, b: 3 }, 'a')).toBe('b');
    expect(pickFastest({}, 'a')).toBe('a');
  });

  it('a pinned choice is used without timing', () => {
    setTunedChoice('K', 'pinned', 'z');
    expect(tunedChoice('K', 'pinned', 'a', () => { throw new Error('not called'); })).toBe('z');
  });

  it('timeOnDevice measures wall time off webgpu and releases the output', async () => {
    const a = tf.ones([64, 64]);
    const before = tf.memory().numTensors;
    const ms = await timeOnDevice(() => tf.matMul(a, a));
    expect(Number.isFinite(ms) && ms >= 0).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
  });

  it('DET_WEBGPU_AUTOTUNE turns tuning on with 1/true/on/yes only', () => {
    for (const v of ['1', 'true', 'ON', 'yes']) expect(autotuneFromEnv({ DET_WEBGPU_AUTOTUNE: v })).toBe(true);
    for (const v of [undefined, '', '0', 'false', 'off']) expect(autotuneFromEnv({ DET_WEBGPU_AUTOTUNE: v })).toBe(false);
  });
});
