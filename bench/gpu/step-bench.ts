/**
 * WebGPU benchmarks for det (see bench/README.md, "GPU: WebGPU vs PyTorch").
 *
 *   node bench/gpu/dist/step-bench.cjs step  [--batches 2,16] [--size 320] [--iters 10] [--warmup 3] [--repeats 1] [--stock] [--tfjs-dispatch] [--flags JSON] [--trace-dawn] [--autotune] [--choices FILE] [--conv-precision f16] [--dawn-toggles LIST]
 *   node bench/gpu/dist/step-bench.cjs kernels [--batch 2] [--size 320] [--iters 5] [--conv-precision f16]
 *   node bench/gpu/dist/step-bench.cjs dispatches [--batch 2] [--size 320]
 *   node bench/gpu/dist/step-bench.cjs profile [--batch 2] [--size 320] [--top 15] [--conv-precision f16]
 *   node bench/gpu/dist/step-bench.cjs train-check [--iters 50] [--conv-precision f16]
 *   node bench/gpu/dist/step-bench.cjs sweep [--batch 16] [--size 320] [--iters 3] [--only filter|input|forward]
 *   node bench/gpu/dist/step-bench.cjs dispatch-cost [--ops 1000] [--rounds 15]
 *   node bench/gpu/dist/step-bench.cjs sgmat-check
 *   node bench/gpu/dist/step-bench.cjs retinanet [--batch 2] [--height 800] [--width 1344] [--iters 5] [--warmup 2] [--stock] [--autotune] [--conv-precision f16] [--attribute [--top 40]] [--trace-uploads] [--cpu-prof FILE] [--config-json FILE --num-classes N]
 *
 * step: the reference training step (ENVIRONMENT.md's network) on webgpu; one JSON line per batch
 *   size with ms/step. --stock runs tfjs-backend-webgpu without det's kernels, for comparison.
 *   --conv-precision f16 (step, retinanet, profile): convolutions on the GPU's matrix units (f16
 *   operands, f32 sums; webgpu/conv-precision.ts) where Dawn offers subgroup matrices; the JSON
 *   line's convPrecision says whether they were used (f32 where the adapter has none).
 *   --dawn-backend null (any mode): Dawn's Null backend, which accepts every call and runs
 *   nothing: the host's cost of recording a step alone (losses are meaningless there).
 *   --dawn-toggles LIST (any mode): Dawn toggles to enable, e.g.
 *   disable_robustness,disable_workgroup_init,skip_validation (no index clamping in shaders, no
 *   zeroing of workgroup memory, no API validation): the JSON lines list them.
 *   --autotune (step, retinanet): per-shape kernel tuning (tuning/kernel-tuner.ts) during the
 *   warm-up; prints every tuned shape's candidate times and choice (`kernel-tuning` lines).
 * kernels: Conv2D, Conv2DBackpropFilter and Conv2DBackpropInput of every reference layer, det's
 *   defaults vs tfjs's own kernels (its input gradient as its GEMM variant, the flag det sets).
 * sweep: per reference layer, every forward variant (tfjs's GEMM, det's narrow direct conv, det's
 *   GEMM with each tiling), every filter-gradient tiling × split-K count, and every
 *   input-gradient variant det's kernel can run (inputGradVariantNames: tfjs's GEMM, the
 *   forward-conv paths, the phase GEMM with each tiling), in TFLOP/s: the data behind the rules
 *   in chooseFilterGradTiling / chooseInputGradTiling (kernel tuning measures the same per shape).
 * dispatches: one reference step with every WebGPU program recorded (name, workgroups, threads,
 *   output size), det kernels vs stock: the dispatch count and the low-parallelism programs
 *   are what a software adapter can still show about GPU speed.
 * profile: one step under tf.profile (GPU timestamp queries where the adapter has them): the
 *   kernels that take the most time, for the next round of kernel work.
 * train-check: the reference step at 1/8 width, 32×32, on webgpu and on cpu from identical
 *   weights; prints both loss curves and the largest relative difference.
 * sgmat-check: det's f16 matrix-unit kernels checked against f32 (checkMatrixUnits' small net:
 *   forward output, input gradient, both filter gradients) with each f16 × f16 → f32 subgroup-
 *   matrix shape the adapter lists, not only the one det picks: which shape or which kernel fails.
 * dispatch-cost: host µs to record one small element-wise op on det's lean dispatch path and on
 *   tfjs's own (lean-dispatch.ts), median of rounds of 1000 chained ops.
 * retinanet: one training step (forward, losses, gradients, SGD update) of the default RetinaNet
 *   config (configs/retinanet/retinanet_r50_fpn_1x_coco.ts, R-50-FPN, 80 classes; resolved into
 *   bench/gpu/dist/retinanet.json by build.sh) on synthetic images of the config's input size
 *   (1333×800 padded to 1344×800) with 5 gt boxes each; random init (no pretrained download).
 * Built into one file by bench/gpu/build.sh (only the `webgpu` package stays external).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { activeMatrixUnit, setActiveMatrixUnit, matrixUnitOutputChecks, throwIfWebGpuFailed, setupWebGpu, restoreWebGpuKernel, registerWebGpuKernels, DET_WEBGPU_KERNELS, setKernelTuning, tuneQueuedKernels, kernelTuningResults } from '../../libs/models/src/webgpu';
import { DETECTORS, OPTIMIZERS, Rng } from '@det/registry';
import { setNumClasses } from '../../libs/models/src';
import type { SingleStageDetector } from '../../libs/models/src/detectors/single-stage';
import { SGD } from '../../libs/runner/src/optim/sgd';
import '../../libs/runner/src/optim/adam'; // registers Adam / AdamW for --config-json
import type { Optimizer } from '../../libs/runner/src/optim/optimizer';
import { clipGradNorm } from '../../libs/runner/src/optim/clip-grad';
import type { DetBatch } from '../../libs/models/src/detectors/types';
import { chooseFilterGradTiling, chooseSplits, filterGradShape } from '../../libs/models/src/webgpu/kernels/conv2d-filter-grad';
import { FILTER_GRAD_TILINGS, FilterGradPartialProgram, SumSplitsProgram } from '../../libs/models/src/webgpu/kernels/conv2d-filter-grad-program';
import { FilterGradDirectProgram, planDirectFilterGrad } from '../../libs/models/src/webgpu/kernels/conv2d-filter-grad-direct-program';
import { inputGradShape } from '../../libs/models/src/webgpu/kernels/conv2d-input-grad';
import {
  defaultInputGradVariant, inputGradVariant, inputGradVariantNames, TFJS_GEMM, type InputGradContext,
} from '../../libs/models/src/webgpu/kernels/conv2d-input-grad-variants';
import type { Conv2dKernel } from '../../libs/models/src/webgpu/kernels/conv2d-input-grad-forward';
import { originalWebGpuKernel } from '../../libs/models/src/webgpu/kernels/kernel-override';
import { installLeanDispatch } from '../../libs/models/src/webgpu/lean-dispatch';
import { forwardAsInputGradShape, forwardConvTuningKey, forwardVariantNames, NARROW_DEFAULT_MAX_IN_CHANNELS, narrowVariant, TFJS_CONV } from '../../libs/models/src/webgpu/kernels/conv2d-forward';
import { NARROW_PIXELS, narrowProgramFor } from '../../libs/models/src/webgpu/kernels/conv2d-narrow-program';
import { forwardConvShape } from '../../libs/models/src/webgpu/kernels/conv2d-forward-shape';
import { resetKernelTuning, setTunedChoice } from '../../libs/models/src/webgpu/tuning/kernel-tuner';
import { installDispatchAttribution, type DispatchAttribution } from './dispatch-attribution';
import { buildReferenceStep, referenceStepFlops, REFERENCE_LAYERS, type ReferenceConfig } from '../../libs/models/src/webgpu/testing/reference-network';

type Args = Record<string, string | boolean>;

function parseArgs(argv: string[]): { mode: string; args: Args } {
  const [mode = 'step', ...rest] = argv;
  const args: Args = {};
  for (let i = 0; i < rest.length; i++) {
    const key = rest[i].replace(/^--/, '');
    const next = rest[i + 1];
    if (next === undefined || next.startsWith('--')) args[key] = true;
    else { args[key] = next; i++; }
  }
  return { mode, args };
}

const num = (a: Args, key: string, dflt: number) => (a[key] === undefined ? dflt : Number(a[key]));
const emit = (record: Record<string, unknown>) => console.log(JSON.stringify(record));

/** --flags '{"WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE":100}': tfjs flags to try (set after setup). */
function applyFlags(a: Args): Record<string, unknown> | undefined {
  if (typeof a.flags !== 'string') return undefined;
  const flags = JSON.parse(a.flags) as Record<string, number | boolean>;
  tf.env().setFlags(flags);
  return flags;
}

/** --trace-dawn: time every call into the WebGPU (Dawn) objects during the timed steps. */
const dawnTimes = new Map<string, { calls: number; ms: number }>();
function traceDawn(): void {
  for (const cls of ['GPUDevice', 'GPUQueue', 'GPUComputePassEncoder', 'GPUCommandEncoder', 'GPUComputePipeline', 'GPUBuffer']) {
    const proto = (globalThis as unknown as Record<string, { prototype: Record<string, unknown> } | undefined>)[cls]?.prototype;
    if (!proto) continue;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, name);
      if (!d || typeof d.value !== 'function' || name === 'constructor') continue;
      const fn = d.value as (...args: unknown[]) => unknown;
      const key = `${cls}.${name}`;
      proto[name] = function (this: unknown, ...args: unknown[]) {
        const t0 = performance.now();
        try { return fn.apply(this, args); } finally {
          const e = dawnTimes.get(key) ?? { calls: 0, ms: 0 };
          e.calls++; e.ms += performance.now() - t0; dawnTimes.set(key, e);
        }
      };
    }
  }
}

/**
 * --autotune: one JSON line per tuned kernel shape (every candidate's GPU ms, det's default and
 * the choice), and the summary: how much GPU time per step the choices save over the defaults.
 */
let tuningEmitted = 0;
function emitTuning(batch: number, warmupMs?: number): void {
  let saved = 0;
  const results = kernelTuningResults().slice(tuningEmitted);
  tuningEmitted += results.length;
  for (const r of results) {
    const gain = (r.ms[r.default] ?? NaN) - (r.ms[r.choice] ?? NaN);
    if (Number.isFinite(gain)) saved += gain;
    emit({ bench: 'kernel-tuning', batch, convPrecision: activeMatrixUnit() ? 'f16' : 'f32', kernel: r.kernel, key: r.key, choice: r.choice, default: r.default,
      choiceMs: r.ms[r.choice], defaultMs: r.ms[r.default], ms: r.ms, ...(Object.keys(r.failed).length ? { failed: r.failed } : {}) });
  }
  emit({ bench: 'kernel-tuning-summary', batch, convPrecision: activeMatrixUnit() ? 'f16' : 'f32', shapes: results.length, changed: results.filter((r) => r.choice !== r.default).length,
    gpuMsSavedPerCall: +saved.toFixed(3), ...(warmupMs ? { warmupWithTuningMs: Math.round(warmupMs) } : {}) });
}

/**
 * The setupWebGpu options from the command line: --conv-precision f16|f32 (default: env
 * DET_WEBGPU_CONV_PRECISION, else f32), --dawn-toggles a,b (Dawn toggles to enable, e.g.
 * disable_robustness,disable_workgroup_init,skip_validation: what they buy on a GPU, measured)
 * and --dawn-backend null (Dawn's Null backend: host cost alone).
 */
const setupFrom = (a: Args): { convPrecision?: 'f32' | 'f16'; dawnFlags?: string[] } => {
  const v = a['conv-precision'];
  if (v !== undefined && v !== 'f16' && v !== 'f32') throw new Error(`--conv-precision ${String(v)}: expected f16 or f32`);
  const toggles = a['dawn-toggles'] === undefined ? [] : String(a['dawn-toggles']).split(',').filter(Boolean);
  const dawnFlags = [...(toggles.length ? [`enable-dawn-features=${toggles.join(',')}`] : []), ...(a['dawn-backend'] ? [`backend=${String(a['dawn-backend'])}`] : [])];
  setupOptions = { ...(v ? { convPrecision: v } : {}), ...(dawnFlags.length ? { dawnFlags } : {}) };
  dawnToggles = toggles;
  return setupOptions;
};
/**
 * What the JSON lines say about the setup: the precision asked for, the one in effect, the matrix
 * shape used, why not f16; the Dawn toggles asked for.
 */
const precisionFields = (setup: { convPrecision: string; matrixUnit?: object; convPrecisionFallback?: string }) => ({
  askedConvPrecision: setupOptions.convPrecision ?? (process.env.DET_WEBGPU_CONV_PRECISION || 'f32'),
  convPrecision: setup.convPrecision,
  ...(setup.matrixUnit ? { matrixUnit: setup.matrixUnit } : {}),
  ...(setup.convPrecisionFallback ? { convPrecisionFallback: setup.convPrecisionFallback } : {}),
  ...(dawnToggles.length ? { dawnToggles } : {}),
});
/** The options the first setupWebGpu call used (later calls return the first setup). */
let setupOptions: { convPrecision?: 'f32' | 'f16'; dawnFlags?: string[] } = {};
let dawnToggles: string[] = [];

/**
 * --choices FILE: kernel choices pinned before the step, `{ "Conv2DBackpropFilter|<key>": variant }`
 * (a tuning cache's choices without the adapter section): measures a set of choices, e.g. a
 * candidate default rule, on any GPU without a tuning pass. Returns the file's base name.
 */
function pinChoices(a: Args): string | undefined {
  if (typeof a.choices !== 'string') return undefined;
  const table = JSON.parse(require('node:fs').readFileSync(a.choices, 'utf8')) as Record<string, string>;
  for (const [id, variant] of Object.entries(table)) {
    const bar = id.indexOf('|');
    setTunedChoice(id.slice(0, bar), id.slice(bar + 1), variant);
  }
  return require('node:path').basename(a.choices);
}

async function stepBench(a: Args): Promise<void> {
  const setup = await setupWebGpu({ detKernels: !a.stock, ...setupFrom(a) });
  const flags = applyFlags(a);
  const choices = pinChoices(a);
  // --tfjs-dispatch: det's kernels, but tfjs's own per-dispatch recording (uniform buffer and bind
  // group per dispatch) instead of det's lean path, to measure what the lean path saves
  if (a['tfjs-dispatch']) installLeanDispatch(tf.backend())();
  const dispatch = a.stock || a['tfjs-dispatch'] ? 'tfjs' : 'lean';
  const size = num(a, 'size', 320);
  const iters = num(a, 'iters', 10);
  const warmup = num(a, 'warmup', 3);
  const batches = String(a.batches ?? '2,16').split(',').map(Number);
  for (const batch of batches) {
    const cfg: ReferenceConfig = { batch, size, numClasses: 20 };
    const model = buildReferenceStep(cfg);
    if (a.autotune) setKernelTuning(true);
    for (let i = 0; i < warmup; i++) {
      await model.step(); // shader compilation, buffer pools
      if (a.autotune) await tuneQueuedKernels(); // the shapes this step met, as BaseDetector.trainStep does (saved where DET_WEBGPU_AUTOTUNE_CACHE says)
    }
    if (a.autotune) emitTuning(batch);
    if (a['trace-dawn']) { traceDawn(); dawnTimes.clear(); }
    // --repeats R: R timed runs of `iters` steps; the median run is reported (GPU clocks and the
    // host vary run to run by ~10%).
    const runs: { ms: number; recordMs: number; loss: number }[] = [];
    for (let r = 0; r < num(a, 'repeats', 1); r++) {
      const t0 = performance.now();
      let loss = 0;
      let recordMs = 0;
      for (let i = 0; i < iters; i++) {
        const r0 = performance.now();
        const pending = model.step(); // its synchronous part records and submits every dispatch
        recordMs += performance.now() - r0;
        loss = await pending; // each step awaits its loss: synchronised
      }
      runs.push({ ms: (performance.now() - t0) / iters, recordMs: recordMs / iters, loss });
    }
    const loss = runs[runs.length - 1].loss; // after warmup + repeats × iters steps: comparable between runs of the same arguments
    runs.sort((x, y) => x.ms - y.ms);
    const { ms, recordMs } = runs[Math.floor(runs.length / 2)];
    // Pipelined: steps recorded back to back, only the last loss awaited (how PyTorch's loop is
    // timed: one synchronize at the end).
    const p0 = performance.now();
    const pending: Promise<number>[] = [];
    for (let i = 0; i < iters; i++) pending.push(model.step());
    await Promise.all(pending);
    const pipelinedMs = (performance.now() - p0) / iters;
    const gflop = referenceStepFlops(cfg) / 1e9;
    emit({
      bench: 'webgpu-step', adapter: setup.adapter, software: setup.software, kernels: a.stock ? 'tfjs' : 'det', dispatch, flags, ...(choices ? { choices } : {}), autotune: !!a.autotune, ...precisionFields(setup),
      batch, size, iters, repeats: runs.length, msPerStep: +ms.toFixed(2), allMsPerStep: runs.map((r) => +r.ms.toFixed(2)),
      pipelinedMsPerStep: +pipelinedMs.toFixed(2), jsRecordMs: +recordMs.toFixed(2), gflopPerStep: +gflop.toFixed(2),
      gflops: +(gflop / (ms / 1000)).toFixed(1), loss, tensors: tf.memory().numTensors,
      ...(a['trace-dawn'] ? { dawnPerStep: Object.fromEntries([...dawnTimes].sort((x, y) => y[1].ms - x[1].ms).slice(0, 12)
        .map(([k, v]) => [k, { calls: +(v.calls / iters).toFixed(1), ms: +(v.ms / iters).toFixed(3) }])) } : {}),
    });
    dawnTimes.clear();
    model.dispose();
  }
}

async function kernelBench(a: Args): Promise<void> {
  const setup = await setupWebGpu(setupFrom(a));
  // --conv-precision f16 on an adapter with matrix units: each layer also timed with det's f16 kernels
  const unit = activeMatrixUnit();
  setActiveMatrixUnit(null);
  const batch = num(a, 'batch', 2);
  const iters = num(a, 'iters', 5);
  let h = num(a, 'size', 320);
  for (const [cin, cout, stride] of REFERENCE_LAYERS) {
    const outH = Math.ceil(h / stride);
    const x = tf.randomNormal([batch, h, h, cin]);
    const dy = tf.randomNormal([batch, outH, outH, cout]);
    const filterGrad = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
      strides: stride, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, cin, cout],
    }) as tf.Tensor;
    const w = tf.randomNormal([3, 3, cin, cout]);
    const inputGrad = () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
      strides: stride, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape,
    }) as tf.Tensor;
    // GPU time from timestamp queries (tf.time), summed over the kernel's dispatches: reading
    // the output back would time the copy, not the kernel.
    const time = async (run: () => tf.Tensor) => {
      const warm = run(); await warm.data(); warm.dispose();
      let total = 0;
      for (let i = 0; i < iters; i++) {
        let r: tf.Tensor | undefined;
        const info = await tf.time(() => { r = run(); });
        await r!.data();
        r!.dispose();
        total += typeof info.kernelMs === 'number' ? info.kernelMs : NaN;
      }
      return total / iters;
    };
    // tfjs's side: its filter kernel, and its GEMM input gradient (det's flag setting).
    const forward = () => tf.engine().runKernel('Conv2D', { x, filter: w }, {
      strides: stride, pad: 'same', dataFormat: 'NHWC', dilations: 1,
    }) as tf.Tensor;
    const det = { filter: await time(filterGrad), input: await time(inputGrad), forward: await time(forward) };
    let f16: typeof det | undefined;
    if (unit) {
      setActiveMatrixUnit(unit);
      f16 = { filter: await time(filterGrad), input: await time(inputGrad), forward: await time(forward) };
      setActiveMatrixUnit(null);
    }
    for (const name of DET_WEBGPU_KERNELS) restoreWebGpuKernel(name);
    const stock = { filter: await time(filterGrad), input: await time(inputGrad), forward: await time(forward) };
    registerWebGpuKernels();
    const flop = 2 * batch * outH * outH * 9 * cin * cout;
    const inputShape = inputGradShape(w, { inputShape: x.shape, strides: stride, pad: 'same', dataFormat: 'NHWC' })!;
    const detInput = defaultInputGradVariant(inputShape, tf.backend() as never);
    for (const kernel of ['filter', 'input', 'forward'] as const) {
      emit({ bench: `conv2d-${kernel}`, adapter: setup.adapter, x: x.shape, dy: dy.shape, stride, gflop: +(flop / 1e9).toFixed(3),
        ...(kernel === 'input' ? { det: detInput } : {}),
        detTflops: +(flop / det[kernel] / 1e9).toFixed(3), detMs: +det[kernel].toFixed(3), tfjsMs: +stock[kernel].toFixed(3), speedup: +(stock[kernel] / det[kernel]).toFixed(2),
        ...(f16 ? { detF16Ms: +f16[kernel].toFixed(3), detF16Tflops: +(flop / f16[kernel] / 1e9).toFixed(3), f16Speedup: +(det[kernel] / f16[kernel]).toFixed(2) } : {}) });
    }
    w.dispose();
    tf.dispose([x, dy]);
    h = outH;
  }
}

/**
 * sweep: per reference layer,
 * - Conv2DBackpropFilter with every tiling and the split-K count scaled around det's choice
 *   (chooseSplits), GPU time of the partial GEMM and of the split sum separately;
 * - Conv2DBackpropInput with every variant that applies to the layer (built as the kernel builds
 *   them, conv2d-input-grad-variants.ts), and det's default for it. TFLOP/s count the
 *   convolution's 2·N·outH·outW·9·cin·cout for every variant (as `kernels` does), so they compare
 *   directly;
 * - Conv2D with every f32 variant tuning may pick (tfjs's GEMM, det's narrow direct conv where it
 *   fits, det's GEMM with each tiling), forced through the tuning table.
 * --only filter|input|forward limits it to one of the three.
 */
async function sweepBench(a: Args): Promise<void> {
  const setup = await setupWebGpu(setupFrom(a));
  const batch = num(a, 'batch', 16);
  const iters = num(a, 'iters', 3);
  const only = typeof a.only === 'string' ? a.only : undefined;
  const backend = tf.backend() as unknown as {
    runWebGPUProgram(p: unknown, i: tf.TensorInfo[], d: tf.DataType): tf.TensorInfo;
    disposeData(id: object): void;
    device: { limits: Record<string, number> };
  };
  // GPU time (timestamp queries) of one call of f, averaged over `iters` after a warm-up call.
  const gpuMs = async (f: () => tf.TensorInfo | tf.Tensor) => {
    const release = (out: tf.TensorInfo | tf.Tensor) => (out instanceof tf.Tensor ? out.dispose() : backend.disposeData(out.dataId));
    let out: tf.TensorInfo | tf.Tensor | undefined;
    release(f());
    let total = 0;
    for (let i = 0; i < iters; i++) {
      const info = await tf.time(() => { out = f(); });
      total += Number(info.kernelMs);
      release(out!);
    }
    return total / iters;
  };
  let h = num(a, 'size', 320);
  for (const [index, [cin, cout, stride]] of REFERENCE_LAYERS.entries()) {
    const outH = Math.ceil(h / stride);
    const x = tf.randomNormal([batch, h, h, cin]);
    const dy = tf.randomNormal([batch, outH, outH, cout]);
    const flop = 2 * batch * outH * outH * 9 * cin * cout;
    const tflops = (ms: number) => +(flop / ms / 1e9).toPrecision(3);
    if (!only || only === 'filter') {
      const parsed = filterGradShape(x, { strides: stride, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, cin, cout] })!;
      const m = 9 * cin, k = batch * outH * outH;
      const rows: Record<string, unknown>[] = [];
      for (const [name, tiling] of Object.entries(FILTER_GRAD_TILINGS)) {
        const base = chooseSplits(m, cout, k, tiling);
        for (const factor of [0.5, 1, 2]) {
          const splits = Math.max(1, Math.min(65535, Math.round(base * factor), Math.ceil(k / 16)));
          const partialMs = await gpuMs(() => backend.runWebGPUProgram(new FilterGradPartialProgram(parsed.shape, splits, tiling), [x, dy], 'float32'));
          const partial = backend.runWebGPUProgram(new FilterGradPartialProgram(parsed.shape, splits, tiling), [x, dy], 'float32');
          const sumMs = await gpuMs(() => backend.runWebGPUProgram(new SumSplitsProgram(parsed.filterShape, splits), [partial], 'float32'));
          backend.disposeData(partial.dataId);
          rows.push({ tiling: name, splits, totalMs: +(partialMs + sumMs).toFixed(3), tflops: tflops(partialMs + sumMs) });
        }
      }
      // the direct program (narrow layers: every output in one workgroup)
      const plan = planDirectFilterGrad(parsed.shape, backend.device.limits.maxComputeWorkgroupStorageSize ?? 16384);
      for (const factor of plan ? [1, 4] : []) {
        const make = () => new FilterGradDirectProgram(parsed.shape, plan!, factor);
        const partialMs = await gpuMs(() => backend.runWebGPUProgram(make(), [x, dy], 'float32'));
        const partial = backend.runWebGPUProgram(make(), [x, dy], 'float32');
        const splits = partial.shape[0];
        const sumMs = await gpuMs(() => backend.runWebGPUProgram(new SumSplitsProgram(parsed.filterShape, splits), [partial], 'float32'));
        backend.disposeData(partial.dataId);
        rows.push({ tiling: `direct ${plan!.bm}x${plan!.bn}, ${plan!.groups} groups, tile ${plan!.tileH}x${plan!.tileW}`, splits, totalMs: +(partialMs + sumMs).toFixed(3), tflops: tflops(partialMs + sumMs) });
      }
      const best = rows.reduce((x, y) => ((y.totalMs as number) < (x.totalMs as number) ? y : x));
      emit({ bench: 'filter-grad-sweep', adapter: setup.adapter, x: x.shape, dy: dy.shape, stride, m, n: cout, detTiling: chooseFilterGradTiling(m, cout), best, rows });
    }
    if (!only || only === 'forward') {
      // every forward variant tuning may pick (f32), forced through the tuning table
      const w = tf.randomNormal([3, 3, cin, cout]);
      const attrs = { strides: stride, pad: 'same', dataFormat: 'NHWC' };
      const key = forwardConvTuningKey(forwardAsInputGradShape(x, w, attrs)!);
      const narrow = forwardConvShape(x, w, attrs)!;
      setKernelTuning(true);
      const rows: { variant: string; ms: number; tflops: number }[] = [];
      for (const name of forwardVariantNames().filter((n) => n === TFJS_CONV || n.startsWith('phase-gemm:') || n.startsWith('narrow:'))) {
        const pixels = NARROW_PIXELS.find((p) => narrowVariant(p) === name);
        if (pixels && !narrowProgramFor(backend as never, narrow, undefined, [pixels])) continue; // would time tfjs's kernel under another name
        setTunedChoice('Conv2D', key, name);
        const ms = await gpuMs(() => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, 'same'));
        rows.push({ variant: name, ms: +ms.toFixed(3), tflops: tflops(ms) });
      }
      resetKernelTuning();
      setKernelTuning(false);
      // det's default: the narrow conv with the most pixels per thread that fits, for first layers
      const narrowRows = rows.filter((r) => r.variant.startsWith('narrow:'));
      const detDefault = cin <= NARROW_DEFAULT_MAX_IN_CHANNELS && narrowRows.length ? narrowRows[narrowRows.length - 1].variant : TFJS_CONV;
      const best = rows.reduce((p, r) => (r.ms < p.ms ? r : p));
      emit({ bench: 'forward-sweep', adapter: setup.adapter, x: x.shape, stride, n: cout, detDefault, best, tfjs: rows.find((r) => r.variant === TFJS_CONV), rows });
      w.dispose();
    }
    // The first layer's input gradient is never needed in training (its input is the image).
    if ((!only || only === 'input') && index > 0) {
      const w = tf.randomNormal([3, 3, cin, cout]);
      const shape = inputGradShape(w, { inputShape: x.shape, strides: stride, pad: 'same', dataFormat: 'NHWC' })!;
      // every variant det's kernel (and kernel tuning) can run for this shape, as the kernel builds them
      const ctx: InputGradContext = {
        backend: backend as never, s: shape, attrs: { inputShape: x.shape, strides: stride, pad: 'same', dataFormat: 'NHWC' },
        original: originalWebGpuKernel('Conv2DBackpropInput')!, conv2d: originalWebGpuKernel('Conv2D') as unknown as Conv2dKernel,
      };
      const rows: { tiling: string; ms: number; tflops: number }[] = [];
      for (const name of inputGradVariantNames()) {
        const run = inputGradVariant(ctx, name);
        if (!run) continue; // does not apply to this shape
        const ms = await gpuMs(() => run(dy, w));
        rows.push({ tiling: name, ms: +ms.toFixed(3), tflops: tflops(ms) });
      }
      const best = rows.reduce((p, r) => (r.ms < p.ms ? r : p));
      const tfjs = rows.find((r) => r.tiling === TFJS_GEMM)!;
      const detDefault = defaultInputGradVariant(shape, backend as never);
      // gflop: the convolution's, the TFLOP/s basis for every row. det's program does about as many
      // (inputGradMacs); tfjs's GEMM multiplies stride² times as many over a zero-dilated dY.
      emit({ bench: 'input-grad-sweep', adapter: setup.adapter, x: x.shape, dy: dy.shape, stride, n: cin, detDefault, gflop: +(flop / 1e9).toPrecision(4),
        best, tfjs, rows });
      w.dispose();
    }
    tf.dispose([x, dy]);
    h = outH;
  }
}

interface DispatchRecord { program: string; workgroups: number; threads: number; outputSize: number }

async function recordDispatches(cfg: ReferenceConfig): Promise<DispatchRecord[]> {
  const backend = tf.backend() as unknown as { runWebGPUProgram: (...args: unknown[]) => unknown };
  const original = backend.runWebGPUProgram;
  const records: DispatchRecord[] = [];
  const model = buildReferenceStep(cfg);
  await model.step(); // warm-up: not recorded
  backend.runWebGPUProgram = function (this: unknown, ...args: unknown[]) {
    const p = args[0] as { constructor: { name: string }; dispatch: number[]; workgroupSize: number[]; outputShape: number[] };
    const workgroups = p.dispatch[0] * p.dispatch[1] * p.dispatch[2];
    records.push({
      program: p.constructor.name,
      workgroups,
      threads: workgroups * p.workgroupSize[0] * p.workgroupSize[1] * p.workgroupSize[2],
      outputSize: p.outputShape.reduce((a, b) => a * b, 1),
    });
    return original.apply(this, args);
  };
  try {
    await model.step();
  } finally {
    backend.runWebGPUProgram = original;
    model.dispose();
  }
  return records;
}

async function dispatchBench(a: Args): Promise<void> {
  const setup = await setupWebGpu(setupFrom(a));
  const cfg: ReferenceConfig = { batch: num(a, 'batch', 2), size: num(a, 'size', 320), numClasses: 20 };
  for (const kernels of ['det', 'tfjs']) {
    if (kernels === 'tfjs') {
      for (const name of DET_WEBGPU_KERNELS) restoreWebGpuKernel(name);
      tf.env().set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', true);
    }
    const records = await recordDispatches(cfg);
    const byProgram = new Map<string, { count: number; minThreads: number; maxOutput: number }>();
    for (const r of records) {
      const e = byProgram.get(r.program) ?? { count: 0, minThreads: Infinity, maxOutput: 0 };
      e.count++;
      e.minThreads = Math.min(e.minThreads, r.threads);
      e.maxOutput = Math.max(e.maxOutput, r.outputSize);
      byProgram.set(r.program, e);
    }
    emit({ bench: 'dispatches', adapter: setup.adapter, kernels, batch: cfg.batch, size: cfg.size, dispatches: records.length,
      programs: Object.fromEntries([...byProgram].sort((x, y) => y[1].count - x[1].count)) });
  }
  registerWebGpuKernels();
}

async function profileBench(a: Args): Promise<void> {
  const setup = await setupWebGpu(setupFrom(a));
  const cfg: ReferenceConfig = { batch: num(a, 'batch', 2), size: num(a, 'size', 320), numClasses: 20 };
  const model = buildReferenceStep(cfg);
  await model.step(); // warm-up: shader compilation is not a kernel cost
  const info = await tf.profile(() => model.step() as unknown as tf.TensorContainer);
  model.dispose();
  const byKernel = new Map<string, { count: number; ms: number }>();
  for (const k of info.kernels) {
    const ms = Number(await (k as unknown as { kernelTimeMs: number | Promise<number | { error: string }> }).kernelTimeMs);
    const e = byKernel.get(k.name) ?? { count: 0, ms: 0 };
    e.count++;
    e.ms += Number.isFinite(ms) ? ms : 0;
    byKernel.set(k.name, e);
  }
  const all = [...byKernel].sort((x, y) => y[1].ms - x[1].ms);
  const rows = all.slice(0, num(a, 'top', 15));
  emit({ bench: 'profile', adapter: setup.adapter, ...precisionFields(setup), batch: cfg.batch, size: cfg.size, kernelsRun: info.kernels.length,
    totalKernelMs: +all.reduce((t, [, v]) => t + v.ms, 0).toFixed(2),
    top: rows.map(([name, v]) => ({ name, count: v.count, ms: +v.ms.toFixed(3) })) });
}

async function trainCheck(a: Args): Promise<void> {
  const setup = await setupWebGpu(setupFrom(a));
  const iters = num(a, 'iters', 50);
  const cfg: ReferenceConfig = { batch: 2, size: 32, numClasses: 4, widthDivisor: 8, lr: 0.01, seed: 3 };
  const curves: Record<string, number[]> = {};
  for (const backend of ['webgpu', 'cpu']) {
    await tf.setBackend(backend);
    const model = buildReferenceStep(cfg);
    const t0 = performance.now();
    curves[backend] = [];
    for (let i = 0; i < iters; i++) curves[backend].push(await model.step());
    model.dispose();
    emit({ bench: 'train-check', backend, adapter: backend === 'webgpu' ? setup.adapter : 'cpu', ...(backend === 'webgpu' ? precisionFields(setup) : {}), msPerStep: +((performance.now() - t0) / iters).toFixed(1), losses: curves[backend] });
  }
  const rel = curves.webgpu.map((l, i) => Math.abs(l - curves.cpu[i]) / Math.abs(curves.cpu[i]));
  emit({ bench: 'train-check', iters, maxRelDiff: Math.max(...rel), firstLoss: curves.webgpu[0], lastLoss: curves.webgpu[iters - 1] });
}

/** Counts the WebGPU programs dispatched (by program class) until stop(). */
/** Dispatches by program until stop(); with `attribution`, also by `<op label> :: <program>`. */
function countDispatches(attribution?: DispatchAttribution): { stop(): Record<string, number>; bySite: Record<string, number> } {
  const backend = tf.backend() as unknown as { runWebGPUProgram: (...args: unknown[]) => unknown };
  const original = backend.runWebGPUProgram;
  const counts: Record<string, number> = {};
  const bySite: Record<string, number> = {};
  backend.runWebGPUProgram = function (this: unknown, ...args: unknown[]) {
    const name = (args[0] as { constructor: { name: string } }).constructor.name;
    counts[name] = (counts[name] ?? 0) + 1;
    if (attribution) {
      const key = `${attribution.current()} :: ${name}`;
      bySite[key] = (bySite[key] ?? 0) + 1;
    }
    return original.apply(this, args);
  };
  return { stop: () => { backend.runWebGPUProgram = original; return counts; }, bySite };
}

interface RetinaNetJson {
  model: Record<string, unknown>;
  optimizer?: Record<string, unknown>;
  optimizerConfig?: { gradClip?: { maxNorm: number; normType?: number } | null };
}

/** Synthetic batch at the config's input size: noise images, 5 random gt boxes per image. */
function retinaBatch(batch: number, height: number, width: number, numClasses: number): DetBatch {
  const rng = new Rng(11);
  const data = new Float32Array(batch * height * width * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.next() * 2 - 1;
  const gtBboxes: Float32Array[] = [];
  const gtLabels: Int32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const boxes: number[] = [];
    const labels: number[] = [];
    for (let k = 0; k < 5; k++) {
      const w = 32 + rng.next() * width * 0.4, h = 32 + rng.next() * height * 0.4;
      const x = rng.next() * (width - w), y = rng.next() * (height - h);
      boxes.push(x, y, x + w, y + h);
      labels.push(Math.floor(rng.next() * numClasses));
    }
    gtBboxes.push(Float32Array.from(boxes));
    gtLabels.push(Int32Array.from(labels));
  }
  const meta = { filename: 'synthetic.png', oriShape: [height, width, 3], imgShape: [height, width, 3], padShape: [height, width, 3], scaleFactor: [1, 1, 1, 1], flip: false };
  return { img: { data, shape: [batch, height, width, 3] }, imgMetas: gtBboxes.map(() => ({ ...meta }) as DetBatch['imgMetas'][number]), gtBboxes, gtLabels };
}

async function retinanetBench(a: Args): Promise<void> {
  /** Counts host→GPU uploads (tensors made from JS arrays) until `stop()`: count and bytes. */
  // trace: also group uploads by the call site that made the tensor (function names of its stack)
  function countUploads(trace = false): { stop(): { uploads: number; bytes: number; largest: number; sites?: Record<string, [number, number]> } } {
    type Data = { values: ArrayLike<number> | null; resource: unknown };
    const backend = tf.backend() as unknown as {
      uploadToGPU(dataId: object): void;
      write(values: unknown, shape: number[], dtype: string): object;
      tensorMap: { get(id: object): Data | undefined };
    };
    const { uploadToGPU, write } = backend;
    const madeAt = new WeakMap<object, string>();
    const sites: Record<string, [number, number]> = {};
    const internal = /(_op$|_$)|^(_?Engine|_WebGPUBackend|scopedRun|tidy|makeTensor|convertToTensor|tensor\d?d?|scalar|fill|runKernel|Object\.|Array\.|new )/;
    if (trace) {
      Error.stackTraceLimit = 40; // the maker sits below a dozen tfjs frames
      backend.write = function (this: typeof backend, values: unknown, shape: number[], dtype: string) {
        const id = write.call(this, values, shape, dtype);
        if (values != null) {
          const names = (new Error().stack ?? '').split('\n').slice(2).map((l) => /at (\S+) \(/.exec(l.trim())?.[1]).filter((f): f is string => !!f && !internal.test(f));
          madeAt.set(id, names.slice(0, 5).join(' < '));
        }
        return id;
      };
    }
    let uploads = 0, bytes = 0, largest = 0;
    backend.uploadToGPU = function (this: typeof backend, dataId: object) {
      const d = this.tensorMap.get(dataId);
      if (d && d.values != null && d.resource == null) {
        const b = d.values.length * 4; // f32 / i32 / bool all travel as 4 bytes per element
        uploads++;
        bytes += b;
        largest = Math.max(largest, b);
        if (trace) {
          const site = (sites[madeAt.get(dataId) ?? '?'] ??= [0, 0]);
          site[0]++;
          site[1] += b;
        }
      }
      return uploadToGPU.call(this, dataId);
    };
    return { stop: () => { Object.assign(backend, { uploadToGPU, write }); return { uploads, bytes, largest, ...(trace ? { sites } : {}) }; } };
  }
  const setup = await setupWebGpu({ detKernels: !a.stock, ...setupFrom(a) });
  // --config-json FILE: another single-stage config (`det print-config CFG --json`), trained with
  // its own optimizer and gradient clipping; by default the RetinaNet config with SGD as
  // torch_retinanet.py runs it
  const ownConfig = typeof a['config-json'] === 'string' ? a['config-json'] : undefined;
  const cfgFile = ownConfig ?? require('node:path').join(__dirname, 'retinanet.json');
  const cfg = JSON.parse(require('node:fs').readFileSync(cfgFile, 'utf8')) as RetinaNetJson;
  const modelCfg: Record<string, unknown> = { ...cfg.model, rng: new Rng(0) };
  const backbone = { ...(modelCfg.backbone as Record<string, unknown>) };
  delete backbone.initCfg; // random init: the bench machine has no network
  modelCfg.backbone = backbone;
  const numClasses = num(a, 'num-classes', 80); // COCO: the CLI fills numClasses from the dataset's classes
  const model = DETECTORS.build<SingleStageDetector>(setNumClasses(modelCfg, numClasses) as never, { keyPath: 'model' });
  model.train(true);
  const batchSize = num(a, 'batch', 2), height = num(a, 'height', 800), width = num(a, 'width', 1344);
  const iters = num(a, 'iters', 5), warmup = num(a, 'warmup', 2);
  const batch = retinaBatch(batchSize, height, width, numClasses);
  const params = model.parameters();
  // det's own optimizer (what `det train` runs; on webgpu one DetSgdStep kernel per parameter),
  // the hyperparameters of torch_retinanet.py
  const optimizer = ownConfig && cfg.optimizer
    ? OPTIMIZERS.build<Optimizer>(cfg.optimizer as never, { keyPath: 'optimizer', args: [params] })
    : new SGD({ lr: 0.001, momentum: 0.9 }, params);
  const gradClip = ownConfig ? cfg.optimizerConfig?.gradClip ?? undefined : undefined;
  if (a.autotune) setKernelTuning(true); // trainStep tunes the shapes its step met before returning
  let logVars: Record<string, number> = {};
  const losses: number[] = []; // every step's, warm-up included: a run that diverges shows here
  // Host-side time: trainStep's synchronous part records (and submits) the whole forward and
  // backward pass before its first await; the optimizer records the update. The rest is waiting.
  const host = { recordMs: 0, sgdMs: 0 };
  const step = async () => {
    const r0 = performance.now();
    const pending = model.trainStep(batch);
    const r1 = performance.now();
    const out = await pending;
    const s0 = performance.now();
    if (gradClip) await clipGradNorm(out.grads!, gradClip.maxNorm, gradClip.normType ?? 2);
    optimizer.step(out.grads!);
    tf.dispose(Object.values(out.grads!));
    host.recordMs += r1 - r0;
    host.sgdMs += performance.now() - s0;
    logVars = out.logVars;
    losses.push(+logVars.loss.toPrecision(6));
  };
  const tune0 = performance.now();
  for (let i = 0; i < warmup; i++) await step();
  if (a.autotune) emitTuning(batchSize, performance.now() - tune0);
  host.recordMs = host.sgdMs = 0;
  // --cpu-prof FILE: a V8 CPU profile of the timed steps only (no start-up, no shader compiles)
  const profileFile = typeof a['cpu-prof'] === 'string' ? a['cpu-prof'] : undefined;
  const session = profileFile ? new (require('node:inspector') as typeof import('node:inspector')).Session() : undefined;
  const post = (method: string) => new Promise<unknown>((res, rej) => session!.post(method, (err, r) => (err ? rej(err) : res(r))));
  if (session) {
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.start');
  }
  const counter = countUploads(!!a['trace-uploads']);
  const attribution = a.attribute ? installDispatchAttribution() : undefined;
  const dispatches = countDispatches(attribution);
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) await step();
  const ms = (performance.now() - t0) / iters;
  const programs = dispatches.stop();
  attribution?.uninstall();
  const up = counter.stop();
  if (session) {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    require('node:fs').writeFileSync(profileFile!, JSON.stringify(profile));
    session.disconnect();
  }
  emit({ bench: 'webgpu-retinanet', adapter: setup.adapter, kernels: a.stock ? 'tfjs' : 'det', autotune: !!a.autotune, ...precisionFields(setup), config: ownConfig ?? 'configs/retinanet/retinanet_r50_fpn_1x_coco.ts', optimizer: optimizer.constructor.name, gradClip: !!gradClip,
    batch: batchSize, height, width, iters, msPerStep: +ms.toFixed(1),
    jsRecordMs: +(host.recordMs / iters).toFixed(1), jsSgdMs: +(host.sgdMs / iters).toFixed(1),
    dispatchesPerStep: Object.values(programs).reduce((t, n) => t + n, 0) / iters,
    topPrograms: Object.fromEntries(Object.entries(programs).sort((x, y) => y[1] - x[1]).slice(0, 10).map(([k, n]) => [k, n / iters])),
    uploadsPerStep: +(up.uploads / iters).toFixed(1), uploadMBPerStep: +(up.bytes / iters / 1e6).toFixed(2), largestUploadMB: +(up.largest / 1e6).toFixed(2),
    loss: logVars.loss, losses, logVars, trainableParams: Object.keys(params).length, tensors: tf.memory().numTensors });
  // --attribute: dispatches per step by op and call site, most first
  for (const [site, n] of Object.entries(dispatches.bySite).sort((x, y) => y[1] - x[1]).slice(0, num(a, 'top', 40))) {
    emit({ bench: 'dispatch-site', perStep: n / iters, site });
  }
  if (up.sites) {
    const rows = Object.entries(up.sites).sort((x, y) => y[1][1] - x[1][1]);
    for (const [site, [count, bytes]] of rows) emit({ bench: 'upload-site', perStep: count / iters, kBPerStep: +(bytes / iters / 1e3).toFixed(1), site });
  }
  optimizer.dispose();
  model.dispose();
}

/** Host time to record one small element-wise op (its GPU work is negligible), median of rounds. */
async function recordCost(ops: number, rounds: number): Promise<number> {
  const a = tf.fill([2048], 1.5);
  const b = tf.fill([2048], 2);
  const perOp: number[] = [];
  for (let r = 0; r < rounds + 2; r++) {
    const t0 = performance.now();
    const out = tf.tidy(() => {
      let x = a;
      for (let i = 0; i < ops; i++) x = i % 2 ? tf.add(x, b) : tf.mul(x, b);
      return x;
    });
    if (r >= 2) perOp.push(((performance.now() - t0) / ops) * 1000); // the first rounds compile and fill the pool
    await out.data();
    out.dispose();
  }
  tf.dispose([a, b]);
  return perOp.sort((x, y) => x - y)[Math.floor(perOp.length / 2)];
}

/** dispatch-cost: µs of host time per recorded op on det's lean dispatch path vs tfjs's own. */
async function dispatchCostBench(a: Args): Promise<void> {
  const setup = await setupWebGpu(setupFrom(a));
  const ops = num(a, 'ops', 1000);
  const rounds = num(a, 'rounds', 15);
  const lean1 = await recordCost(ops, rounds);
  installLeanDispatch(tf.backend())(); // tfjs's own recording
  const tfjs = await recordCost(ops, rounds);
  installLeanDispatch(tf.backend());
  const lean2 = await recordCost(ops, rounds);
  emit({ bench: 'dispatch-cost', adapter: setup.adapter, ops, rounds, leanUsPerOp: +((lean1 + lean2) / 2).toFixed(1), tfjsUsPerOp: +tfjs.toFixed(1) });
}

/** sgmat-check: the f16 self-check per subgroup-matrix shape the adapter offers, every output's error. */
async function sgmatCheckBench(a: Args): Promise<void> {
  const setup = await setupWebGpu({ ...setupFrom(a), convPrecision: 'f16' });
  type Config = { componentType?: string; resultComponentType?: string; M?: number; N?: number; K?: number };
  const gpu = (globalThis as unknown as { navigator: { gpu: { requestAdapter(): Promise<{ info?: { subgroupMaxSize?: number; subgroupMatrixConfigs?: Config[] } } | null> } } }).navigator.gpu;
  const info = (await gpu.requestAdapter())?.info ?? {};
  const configs = (info.subgroupMatrixConfigs ?? []).filter((c) => c.componentType === 'f16' && c.resultComponentType === 'f32');
  const picked = activeMatrixUnit();
  for (const c of configs) {
    const unit = { subgroupSize: info.subgroupMaxSize ?? 0, M: c.M!, N: c.N!, K: c.K! };
    setActiveMatrixUnit(unit);
    const t0 = performance.now();
    const outputs = await matrixUnitOutputChecks();
    // errors outside the check's scopes (device loss, or anything Dawn raised uncaptured)
    let uncaptured: string | null = null;
    try { throwIfWebGpuFailed(); } catch (err) { uncaptured = (err as Error).message; }
    emit({ bench: 'sgmat-check', adapter: setup.adapter, unit, setupUnit: setup.matrixUnit ?? null, setupFallback: setup.convPrecisionFallback ?? null, ms: Math.round(performance.now() - t0), outputs, uncaptured });
  }
  setActiveMatrixUnit(picked);
  if (!configs.length) emit({ bench: 'sgmat-check', adapter: setup.adapter, outputs: null, why: setup.convPrecisionFallback ?? 'no f16 × f16 → f32 subgroup-matrix configs' });
}

const MODES = 'step | kernels | dispatches | profile | train-check | retinanet | sweep | dispatch-cost | sgmat-check';
const USAGE = `usage: node bench/gpu/dist/step-bench.cjs MODE [options]   (MODE: ${MODES})
  every mode: [--dawn-backend null] [--dawn-toggles LIST]; most: [--conv-precision f16]
  options per mode and what each measures: bench/README.md, "GPU: WebGPU vs PyTorch"`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    console.log(USAGE);
    return;
  }
  const { mode, args } = parseArgs(argv);
  if (mode === 'step') await stepBench(args);
  else if (mode === 'kernels') await kernelBench(args);
  else if (mode === 'dispatches') await dispatchBench(args);
  else if (mode === 'profile') await profileBench(args);
  else if (mode === 'train-check') await trainCheck(args);
  else if (mode === 'retinanet') await retinanetBench(args);
  else if (mode === 'sweep') await sweepBench(args);
  else if (mode === 'dispatch-cost') await dispatchCostBench(args);
  else if (mode === 'sgmat-check') await sgmatCheckBench(args);
  else {
    console.error(`step-bench: unknown mode "${mode}"\n${USAGE}`);
    process.exitCode = 2;
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0), // Dawn's threads would otherwise keep the process alive
  (err) => { console.error(err); process.exit(1); },
);
