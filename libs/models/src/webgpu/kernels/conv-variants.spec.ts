import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { convGradients, programsRun, relativeMaxError, runOn, seededValues } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { inputGradShape } from './conv2d-input-grad';
import { INPUT_GRAD_TILINGS } from './conv2d-input-grad-program';
import { planStridedInputGrad } from './conv2d-input-grad-forward';
import { forwardAsInputGradShape, forwardConvTuningKey, forwardVariantNames, NARROW_DEFAULT_MAX_IN_CHANNELS, TFJS_CONV } from './conv2d-forward';
import { narrowConvFits } from './conv2d-narrow-program';
import { forwardConvShape } from './conv2d-forward-shape';
import { FORWARD_CONV, FORWARD_PHASES, FORWARD_PHASES_NARROW, inputGradTuningKey, inputGradVariantNames, isF16Variant, TFJS_GEMM } from './conv2d-input-grad-variants';
import { filterGradShape, filterGradTuningKey, filterGradVariantName, filterGradVariants } from './conv2d-filter-grad';
import { kernelTuningResults, resetKernelTuning, setKernelTuning, setTunedChoice, tunePendingKernels } from '../tuning/kernel-tuner';

// Same tolerance and reasoning as conv-kernels.spec.ts: float32 sums in another order than
// tfjs-cpu stay far below 1e-3 of the largest value; an indexing bug gives O(1) errors.
const TOL = 1e-3;

interface Case {
  name: string; x: [number, number, number, number]; filter: [number, number, number, number]; stride: number; pad: 'same' | 'valid';
  /** also check FusedConv2D's epilogues (bias, ReLU): on one case per store path (vec4 and scalar) */
  fused?: boolean;
}

const CASES: Case[] = [
  { name: 'stride 1, 20→36', x: [1, 10, 7, 20], filter: [3, 3, 20, 36], stride: 1, pad: 'same' },
  { name: 'stride 2, 40→24 (phase GEMM by default)', x: [2, 11, 13, 40], filter: [3, 3, 40, 24], stride: 2, pad: 'same', fused: true },
  { name: 'stride 2, 16→24 (forward phases by default)', x: [2, 11, 13, 16], filter: [3, 3, 16, 24], stride: 2, pad: 'same' },
  // a 3×3 output map: every K step of the vec4 filter gradient wraps rows and images several
  // times; 5 and 7 channels: no dimension a multiple of 4
  { name: 'stride 2, 5→7 on a 5×6 map', x: [3, 5, 6, 5], filter: [3, 3, 5, 7], stride: 2, pad: 'same' },
  { name: 'stride 1, 130→66 (several 128-wide tiles, ragged edges)', x: [1, 9, 7, 130], filter: [3, 3, 130, 66], stride: 1, pad: 'valid', fused: true },
  // the reference network's first layer: 3 input channels (the direct filter gradient's groups)
  { name: 'stride 1, 3→16 (a first layer)', x: [2, 12, 10, 3], filter: [3, 3, 3, 16], stride: 1, pad: 'same', fused: true },
  // ResNet's downsampling shortcut: stride-2 phases without taps (no forward-phases variant)
  { name: '1x1 stride 2, 32→12', x: [2, 9, 8, 32], filter: [1, 1, 32, 12], stride: 2, pad: 'valid' },
];

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const outShape = (c: Case) => tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, 1, c.pad).outShape;
const attrs = (c: Case) => ({ strides: c.stride, pad: c.pad, dataFormat: 'NHWC' });
const inputGrad = (c: Case) => (dyt: tf.Tensor, wt: tf.Tensor) =>
  tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt, filter: wt }, { ...attrs(c), inputShape: c.x }) as tf.Tensor;
const filterGrad = (c: Case) => (xt: tf.Tensor, dyt: tf.Tensor) =>
  tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { ...attrs(c), filterShape: c.filter }) as tf.Tensor;

/** The program that tells each input-gradient variant apart. */
const SIGNATURE: Record<string, string> = {
  [TFJS_GEMM]: 'Conv2DDerInputMMProgram', [FORWARD_CONV]: 'FlipTransposeFilterProgram', [FORWARD_PHASES]: 'InterleavePhasesProgram',
  [FORWARD_PHASES_NARROW]: 'NarrowConvProgram',
};

/**
 * Whether forward-phases-narrow applies: dX's channels (the phase convs' outputs) and the largest
 * phase's sub-filter (⌈k / stride⌉² taps) fit the narrow program.
 */
const narrowPhases = (c: Case) => c.x[3] % 4 === 0 && c.x[3] <= 64 &&
  Math.ceil(c.filter[0] / c.stride) * Math.ceil(c.filter[1] / c.stride) * c.x[3] * c.filter[3] * 4 <= 16384;

/**
 * The forward variants that apply to a case, each with the program that tells it apart (none for
 * tfjs's own): the narrow direct conv only where its filter and accumulators fit.
 */
function forwardVariantsFor(c: Case): { name: string; program?: string }[] {
  const s = forwardConvShape({ shape: c.x } as tf.TensorInfo, { shape: c.filter } as tf.TensorInfo, attrs(c))!;
  return forwardVariantNames().filter((n) => !isF16Variant(n)).flatMap((name) => {
    if (name === TFJS_CONV) return [{ name }];
    if (!name.startsWith('narrow:')) return [{ name, program: 'InputGradProgram' }];
    return narrowConvFits(s, Number(name.slice('narrow:'.length)), 16384, 65535) ? [{ name, program: 'NarrowConvProgram' }] : [];
  });
}
const ranVariant = (programs: string[], program?: string) =>
  program ? programs.includes(program) : !programs.includes('InputGradProgram') && !programs.includes('NarrowConvProgram');

describeIfGpu(gpuSuite('webgpu convolution variants (every candidate kernel tuning may pick) vs cpu'), () => {
  beforeAll(async () => { await setupWebGpu(); });
  afterEach(() => { resetKernelTuning(); setKernelTuning(false); });

  describe.each(CASES)('$name', (c) => {
    const x = { values: seededValues(size(c.x), 1), shape: c.x };
    const w = { values: seededValues(size(c.filter), 2), shape: c.filter };
    const dy = { values: seededValues(size(outShape(c)), 3), shape: outShape(c) };

    it('every applicable input-gradient variant matches cpu and is the one that runs', async () => {
      const cpu = await runOn('cpu', [dy, w], inputGrad(c));
      const shape = inputGradShape({ shape: c.filter } as tf.TensorInfo, { ...attrs(c), inputShape: c.x })!;
      const key = inputGradTuningKey(shape);
      const ran: string[] = [];
      for (const name of inputGradVariantNames()) {
        if (isF16Variant(name)) continue; // conv precision f16 only: conv-sgmat.spec.ts
        if (name === FORWARD_CONV && c.stride > 1) continue;
        if ((name === FORWARD_PHASES || name === FORWARD_PHASES_NARROW) && (c.stride === 1 || !planStridedInputGrad(shape))) continue;
        if (name === FORWARD_PHASES_NARROW && !narrowPhases(c)) continue;
        setTunedChoice('Conv2DBackpropInput', key, name);
        let programs: string[] = [];
        const gpu = await runOn('webgpu', [dy, w], (dyt, wt) => { let out!: tf.Tensor; programs = programsRun(() => { out = inputGrad(c)(dyt, wt); }); return out; });
        // the variant's name in the assertion, so a failure says which one
        expect({ name, ok: relativeMaxError(gpu, cpu) < TOL, ran: programs.includes(SIGNATURE[name] ?? 'InputGradProgram') })
          .toEqual({ name, ok: true, ran: true });
        ran.push(name);
      }
      // tfjs's GEMM, one forward variant where it applies (two for strided ones with few channels), every tiling
      const phases = c.stride > 1 && planStridedInputGrad(shape);
      expect(ran.length).toBe(1 + (c.stride === 1 || phases ? 1 : 0) + (phases && narrowPhases(c) ? 1 : 0) + Object.keys(INPUT_GRAD_TILINGS).length);
    });

    it('every forward variant matches cpu (tfjs\'s GEMM, det\'s narrow direct conv, det\'s GEMM with each tiling)', async () => {
      const forward = (xt: tf.Tensor, wt: tf.Tensor) => tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.stride, c.pad);
      const cpu = await runOn('cpu', [x, w], forward);
      const shape = forwardAsInputGradShape({ shape: c.x, dtype: 'float32' } as tf.TensorInfo, { shape: c.filter } as tf.TensorInfo, attrs(c));
      for (const { name, program } of forwardVariantsFor(c)) {
        setTunedChoice('Conv2D', forwardConvTuningKey(shape!), name);
        let programs: string[] = [];
        const gpu = await runOn('webgpu', [x, w], (xt, wt) => { let out!: tf.Tensor; programs = programsRun(() => { out = forward(xt, wt); }); return out; });
        expect({ name, ok: relativeMaxError(gpu, cpu) < TOL, ran: ranVariant(programs, program) }).toEqual({ name, ok: true, ran: true });
      }
    });

    if (c.filter[2] <= NARROW_DEFAULT_MAX_IN_CHANNELS) it('without kernel tuning a first layer runs det\'s narrow direct conv, matching cpu', async () => {
      const forward = (xt: tf.Tensor, wt: tf.Tensor) => tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.stride, c.pad);
      const cpu = await runOn('cpu', [x, w], forward);
      let programs: string[] = [];
      const gpu = await runOn('webgpu', [x, w], (xt, wt) => { let out!: tf.Tensor; programs = programsRun(() => { out = forward(xt, wt); }); return out; });
      expect({ ok: relativeMaxError(gpu, cpu) < 1e-5, programs }).toEqual({ ok: true, programs: ['NarrowConvProgram'] });
    });

    if (c.fused) it.each([['relu', true], ['linear', true], ['relu', false]] as const)('every FusedConv2D variant matches cpu (activation %s, bias %s)', async (activation, withBias) => {
      const b = { values: seededValues(c.filter[3], 7), shape: [c.filter[3]] };
      const fused = (xt: tf.Tensor, wt: tf.Tensor, bt: tf.Tensor) => tf.engine().runKernel('FusedConv2D', { x: xt, filter: wt, ...(withBias ? { bias: bt } : {}) },
        { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dilations: 1, activation }) as tf.Tensor;
      const cpu = await runOn('cpu', [x, w, b], fused);
      const shape = forwardAsInputGradShape({ shape: c.x, dtype: 'float32' } as tf.TensorInfo, { shape: c.filter } as tf.TensorInfo, attrs(c));
      const key = forwardConvTuningKey(shape!, { bias: withBias, relu: activation === 'relu' });
      for (const { name, program } of forwardVariantsFor(c)) {
        setTunedChoice('FusedConv2D', key, name);
        let programs: string[] = [];
        const gpu = await runOn('webgpu', [x, w, b], (xt, wt, bt) => { let out!: tf.Tensor; programs = programsRun(() => { out = fused(xt, wt, bt); }); return out; });
        expect({ name, ok: relativeMaxError(gpu, cpu) < TOL, ran: ranVariant(programs, program) }).toEqual({ name, ok: true, ran: true });
      }
    });

    it('every filter-gradient variant matches cpu', async () => {
      const cpu = await runOn('cpu', [x, dy], filterGrad(c));
      const parsed = filterGradShape({ shape: c.x } as tf.TensorInfo, { ...attrs(c), filterShape: c.filter })!;
      const key = filterGradTuningKey(parsed.shape);
      for (const v of filterGradVariants(9 * c.x[3], c.filter[3]).filter((f) => !f.sgmat)) { // f16 ones: conv-sgmat.spec.ts
        setTunedChoice('Conv2DBackpropFilter', key, filterGradVariantName(v));
        let programs: string[] = [];
        const gpu = await runOn('webgpu', [x, dy], (xt, dyt) => { let out!: tf.Tensor; programs = programsRun(() => { out = filterGrad(c)(xt, dyt); }); return out; });
        const program = v.vec4 ? 'FilterGradVec4Program' : v.direct ? 'FilterGradDirectProgram' : 'FilterGradPartialProgram';
        expect({ variant: filterGradVariantName(v), ok: relativeMaxError(gpu, cpu) < TOL, ran: programs.includes(program) })
          .toEqual({ variant: filterGradVariantName(v), ok: true, ran: true });
      }
    });
  });

  it('tuning during training: times the shapes a gradient step met, then runs the chosen variants with the same results', async () => {
    const c = CASES[1];
    const xs = { values: seededValues(size(c.x), 4), shape: c.x };
    const ws = { values: seededValues(size(c.filter), 5), shape: c.filter };
    const step = convGradients(c.stride, c.pad);
    const cpu = await runOn('cpu', [xs, ws], step);
    setKernelTuning(true);
    const before = await runOn('webgpu', [xs, ws], step);
    const results = await tunePendingKernels();
    expect(results.map((r) => r.kernel).sort()).toEqual(['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput']);
    for (const r of results) {
      expect(r.failed).toEqual({});
      expect(Object.keys(r.ms)).toContain(r.choice);
      for (const ms of Object.values(r.ms)) expect(Number.isFinite(ms) && ms >= 0).toBe(true);
    }
    const after = await runOn('webgpu', [xs, ws], step);
    expect(relativeMaxError(before, cpu)).toBeLessThan(TOL);
    expect(relativeMaxError(after, cpu)).toBeLessThan(TOL);
    expect(kernelTuningResults()).toHaveLength(3);
  });
});
