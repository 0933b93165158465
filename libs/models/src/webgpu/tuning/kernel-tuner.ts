import * as tf from '@tensorflow/tfjs-core';
import { timeOnDevice, type DeviceTimer } from './device-timer';
import { checkedRun, F16_TOLERANCE, OUTPUT_TOLERANCE } from './candidate-check';

/**
 * Measured kernel choices per shape, the WebGPU counterpart of `torch.backends.cudnn.benchmark`:
 * a kernel with several correct implementations (tilings, split-K counts, GEMM formulations)
 * asks `tunedChoice` which one to run. With tuning on, the first call of a new shape runs the
 * kernel's default and queues the shape; `tunePendingKernels()` (called between training steps,
 * where awaiting the GPU is allowed — kernels themselves are synchronous) times every candidate
 * on random inputs of that shape and keeps the fastest for every later call.
 */

/** One way to compute a queued kernel call, given fresh inputs of the queued shapes. */
export interface TuningCandidate {
  name: string;
  run(inputs: tf.TensorInfo[]): tf.TensorInfo;
  /** Its output may differ from the default's by F16_TOLERANCE, not OUTPUT_TOLERANCE (f16 operands). */
  f16?: boolean;
}

/**
 * The candidates among `names` that apply to a shape (`make` gives null for the others);
 * `isF16` marks those that round their operands to f16.
 */
export function applicableCandidates(
  names: string[],
  make: (name: string) => TuningCandidate['run'] | null,
  isF16: (name: string) => boolean = () => false,
): TuningCandidate[] {
  return names.flatMap((name) => {
    const run = make(name);
    return run ? [{ name, run, ...(isF16(name) ? { f16: true } : {}) }] : [];
  });
}

/** A kernel call shape waiting to be timed. */
export interface TuningRequest {
  /** The inputs' shapes, in the order `run` takes them (filled with random normals). */
  inputs: number[][];
  /** The applicable candidates; the kernel's default is one of them. */
  candidates: TuningCandidate[];
}

export interface TuningResult {
  kernel: string;
  key: string;
  choice: string;
  default: string;
  /** Device ms per candidate (the minimum over the timed runs). */
  ms: Record<string, number>;
  /** Candidates that threw, with the error message (they are never chosen). */
  failed: Record<string, string>;
}

/** A candidate must beat the default by this factor to replace it (timing noise is a few %). */
export const MIN_TUNING_GAIN = 1.03;
export const TIMED_RUNS = 3;

const choices = new Map<string, string>();
const pending = new Map<string, { kernel: string; key: string; fallback: string; request: TuningRequest }>();
const results: TuningResult[] = [];
let enabled = false;

const id = (kernel: string, key: string) => `${kernel}|${key}`;

/** Turns per-shape tuning on or off (off: every kernel runs its default; tuned choices stay). */
export function setKernelTuning(on: boolean): void {
  enabled = on;
  if (!on) pending.clear();
}

export function kernelTuningEnabled(): boolean {
  return enabled;
}

/** Whether any kernel could run other than its default (tuning on, or choices tuned / loaded). */
export function kernelTuningActive(): boolean {
  return enabled || choices.size > 0;
}

/**
 * The candidate to run for `kernel` at shape `key`: the tuned one if this key was timed, else
 * `fallback` (queuing the key when tuning is on; `request` is only called then).
 */
export function tunedChoice(kernel: string, key: string, fallback: string, request: () => TuningRequest): string {
  const k = id(kernel, key);
  const tuned = choices.get(k);
  if (tuned !== undefined) return tuned;
  if (enabled && !pending.has(k)) pending.set(k, { kernel, key, fallback, request: request() });
  return fallback;
}

export function hasPendingTuning(): boolean {
  return pending.size > 0;
}

export function pendingTuningCount(): number {
  return pending.size;
}

export interface TuneOptions {
  timer?: DeviceTimer;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Times every candidate of every queued shape and records the choices; returns this call's
 * results. Each candidate first runs once (which also compiles it) and is checked: no WebGPU
 * error, and the same output as the default's within OUTPUT_TOLERANCE (candidate-check.ts) — a
 * candidate that failed to compile or run would otherwise look fastest. Then TIMED_RUNS rounds,
 * each timing every checked candidate once, and each candidate's minimum. Rounds rather than
 * one candidate's runs back to back: the GPU's clocks ramp up during the first timings (on an
 * H100 the default, timed first, measured up to 5× its steady time and lost to everything).
 */
export async function tunePendingKernels(options: TuneOptions = {}): Promise<TuningResult[]> {
  const timer = options.timer ?? timeOnDevice;
  const done: TuningResult[] = [];
  const total = pending.size;
  for (const [k, job] of [...pending]) {
    pending.delete(k);
    // seeded: unseeded tf.random* would draw its seed from Math.random, shifting a seeded run
    const inputs = job.request.inputs.map((shape, i) => tf.randomNormal(shape, 0, 1, 'float32', 1 + i));
    const ms: Record<string, number> = {};
    const failed: Record<string, string> = {};
    let reference: tf.Tensor | undefined;
    // the default first: its output is the reference the others are checked against
    const candidates = [...job.request.candidates].sort((a, b) => +(b.name === job.fallback) - +(a.name === job.fallback));
    // an f16 reference (conv precision 'f16' makes matrix-unit kernels the default) moves everyone's tolerance
    const f16Reference = candidates[0]?.name === job.fallback && candidates[0].f16;
    try {
      const checked: TuningCandidate[] = [];
      for (const candidate of candidates) {
        try {
          const out = await checkedRun(() => candidate.run(inputs), reference, candidate.f16 || f16Reference ? F16_TOLERANCE : OUTPUT_TOLERANCE);
          if (reference) out.dispose();
          else reference = out;
          checked.push(candidate);
        } catch (err) {
          failed[candidate.name] = (err as Error).message;
        }
      }
      for (let round = 0; round < TIMED_RUNS; round++) {
        for (const candidate of checked) {
          if (failed[candidate.name]) continue;
          try {
            const t = await timer(() => candidate.run(inputs));
            ms[candidate.name] = Math.min(ms[candidate.name] ?? Infinity, t);
          } catch (err) {
            failed[candidate.name] = (err as Error).message;
            delete ms[candidate.name];
          }
        }
      }
    } finally {
      tf.dispose([...inputs, ...(reference ? [reference] : [])]);
    }
    const result: TuningResult = { kernel: job.kernel, key: job.key, choice: pickFastest(ms, job.fallback), default: job.fallback, ms, failed };
    choices.set(k, result.choice);
    results.push(result);
    done.push(result);
    options.onProgress?.(done.length, total);
  }
  return done;
}

/** The fastest candidate, unless it beats the default by less than MIN_TUNING_GAIN. */
export function pickFastest(ms: Record<string, number>, fallback: string): string {
  const timed = Object.entries(ms).filter(([, t]) => Number.isFinite(t));
  if (timed.length === 0) return fallback;
  const [best, t] = timed.reduce((a, b) => (b[1] < a[1] ? b : a));
  const base = ms[fallback];
  return Number.isFinite(base) && t * MIN_TUNING_GAIN > base ? fallback : best;
}

/** Every tuning result so far (oldest first). */
export function kernelTuningResults(): readonly TuningResult[] {
  return results;
}

/** Forgets tuned choices, queued shapes and results (tests; a new device). */
export function resetKernelTuning(): void {
  choices.clear();
  pending.clear();
  results.length = 0;
}

/** Every tuned (or pinned) choice as [kernel, key, variant]. */
export function tunedChoices(): [string, string, string][] {
  return [...choices].map(([k, name]) => {
    const bar = k.indexOf('|');
    return [k.slice(0, bar), k.slice(bar + 1), name];
  });
}

/** Pins a choice without timing (tests run every candidate through the kernel this way). */
export function setTunedChoice(kernel: string, key: string, name: string): void {
  choices.set(id(kernel, key), name);
}
