import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describeIfMatrixUnits, matrixUnitSuite } from '../testing/describe-if-gpu';
import { convGradients, programsRun, relativeMaxError, runOn, seededValues } from '../testing/compare';
import { setupWebGpu, type WebGpuSetupResult } from '../setup';
import { inputGradShape } from './conv2d-input-grad';
import { forwardAsInputGradShape, forwardConvTuningKey, forwardVariantNames, NARROW_DEFAULT_MAX_IN_CHANNELS } from './conv2d-forward';
import { inputGradTuningKey, inputGradVariantNames, isF16Variant, sgmatVariant } from './conv2d-input-grad-variants';
import { SGMAT_TILINGS } from './conv2d-phase-gemm-sgmat-program';
import { FILTER_SGMAT_TILINGS } from './conv2d-filter-grad-sgmat-program';
import { resetKernelTuning, setKernelTuning, setTunedChoice, tunePendingKernels } from '../tuning/kernel-tuner';
import { filterGradShape, filterGradTuningKey, filterGradVariantName, filterGradVariants } from './conv2d-filter-grad';
import { roundToF16 } from '../../testing/f16';
import { fusedConvBiasRelu } from '../../nn/fused-conv';
import { activeMatrixUnit, setActiveMatrixUnit } from '../conv-precision';

// Two checks per kernel. (1) Against cpu on the same inputs rounded to f16 (roundToF16, an
// independent rounding): what is left is f32 summation order (measured 6e-8–9e-7 of the outputs'
// scale on Mesa 26 lavapipe); 2e-5 fails any kernel that skips the rounding or mixes up a tap or channel. (2) Against cpu on
// the f32 inputs: f16 rounds each operand by up to 2^-11 relative; these cases measured
// 2.0–2.8e-4 of the outputs' scale on Mesa 26 lavapipe; 2e-3 allows for larger K.
const TOL_SAME_ROUNDING = 2e-5;
const TOL_F16 = 2e-3;

interface Case {
  name: string; x: [number, number, number, number]; filter: [number, number, number, number]; stride: number; pad: 'same' | 'valid'; fused?: boolean;
  /** dX has 3 channels (under 16: not on matrix units), so only the forward conv and dW are checked */
  forwardOnly?: boolean;
}

const CASES: Case[] = [
  { name: 'stride 1, 36→40', x: [1, 10, 7, 36], filter: [3, 3, 36, 40], stride: 1, pad: 'same' },
  { name: 'stride 2, 40→64', x: [2, 11, 13, 40], filter: [3, 3, 40, 64], stride: 2, pad: 'same', fused: true },
  { name: 'stride 1, 70→66 (ragged tiles, channels not a multiple of 4)', x: [1, 9, 7, 70], filter: [3, 3, 70, 66], stride: 1, pad: 'valid', fused: true },
  { name: '1x1 stride 2, 32→48 (phases without taps)', x: [2, 9, 8, 32], filter: [1, 1, 32, 48], stride: 2, pad: 'valid' },
  // 16-channel layers, like the reference step's first ones (3 input channels: scalar loads)
  { name: 'stride 2, 16→16 (16-wide tiles)', x: [2, 12, 10, 16], filter: [3, 3, 16, 16], stride: 2, pad: 'same' },
  { name: 'stride 1, 3→16 (first layer: forward only in training)', x: [2, 10, 9, 3], filter: [3, 3, 3, 16], stride: 1, pad: 'same', forwardOnly: true },
];

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const outShape = (c: Case) => tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, 1, c.pad).outShape;
const attrs = (c: Case) => ({ strides: c.stride, pad: c.pad, dataFormat: 'NHWC' });
const SGMAT = 'SgmatPhaseGemmProgram';
const isF16Name = (name: string) => isF16Variant(name) || name.startsWith('sgmat:');
const rounded = (t: { values: Float32Array; shape: number[] }) => ({ values: t.values.map(roundToF16), shape: t.shape });

describeIfMatrixUnits(matrixUnitSuite('webgpu f16 matrix-unit convolutions (conv precision f16) vs cpu'), () => {
  let setup: WebGpuSetupResult;
  beforeAll(async () => { setup = await setupWebGpu({ convPrecision: 'f16' }); }, 120_000);
  afterEach(() => resetKernelTuning());

  it('setup reports f16 with the matrix unit it found', () => {
    expect(setup.convPrecision).toBe('f16');
    expect(setup.matrixUnit).toEqual(expect.objectContaining({ M: expect.any(Number), N: expect.any(Number), K: expect.any(Number) }));
  });

  describe.each(CASES)('$name', (c) => {
    const x = { values: seededValues(size(c.x), 1), shape: c.x };
    const w = { values: seededValues(size(c.filter), 2), shape: c.filter };
    const dy = { values: seededValues(size(outShape(c)), 3), shape: outShape(c) };

    if (!c.forwardOnly) it('every matrix-unit input-gradient tiling matches cpu, and the default is one of them', async () => {
      const inputGrad = (dyt: tf.Tensor, wt: tf.Tensor) =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt, filter: wt }, { ...attrs(c), inputShape: c.x }) as tf.Tensor;
      const cpu = await runOn('cpu', [dy, w], inputGrad);
      const cpuRounded = await runOn('cpu', [rounded(dy), rounded(w)], inputGrad);
      const key = inputGradTuningKey(inputGradShape({ shape: c.filter } as tf.TensorInfo, { ...attrs(c), inputShape: c.x })!);
      const names = inputGradVariantNames().filter(isF16Variant);
      expect(names).toHaveLength(Object.keys(SGMAT_TILINGS).length);
      for (const name of [undefined, ...names]) {
        if (name) setTunedChoice('Conv2DBackpropInput', key, name);
        let programs: string[] = [];
        const gpu = await runOn('webgpu', [dy, w], (d, f) => { let out!: tf.Tensor; programs = programsRun(() => { out = inputGrad(d, f); }); return out; });
        const check = { name: name ?? 'default', sameRounding: relativeMaxError(gpu, cpuRounded) < TOL_SAME_ROUNDING, f32: relativeMaxError(gpu, cpu) < TOL_F16, ran: programs.includes(SGMAT) };
        expect(check).toEqual({ name: name ?? 'default', sameRounding: true, f32: true, ran: true });
      }
    }, 300_000);

    it('every matrix-unit forward tiling matches cpu (Conv2D, and FusedConv2D with bias + ReLU)', async () => {
      const b = { values: seededValues(c.filter[3], 7), shape: [c.filter[3]] };
      const conv = (xt: tf.Tensor, wt: tf.Tensor, bt: tf.Tensor) => c.fused
        ? tf.engine().runKernel('FusedConv2D', { x: xt, filter: wt, bias: bt }, { ...attrs(c), dilations: 1, activation: 'relu' }) as tf.Tensor
        : tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.stride, c.pad);
      const cpu = await runOn('cpu', [x, w, b], conv);
      const cpuRounded = await runOn('cpu', [rounded(x), rounded(w), b], conv);
      const shape = forwardAsInputGradShape({ shape: c.x, dtype: 'float32' } as tf.TensorInfo, { shape: c.filter } as tf.TensorInfo, attrs(c))!;
      const key = forwardConvTuningKey(shape, { bias: !!c.fused, relu: !!c.fused });
      for (const name of [undefined, ...forwardVariantNames().filter(isF16Variant)]) {
        if (name) setTunedChoice(c.fused ? 'FusedConv2D' : 'Conv2D', key, name);
        let programs: string[] = [];
        const gpu = await runOn('webgpu', [x, w, b], (xt, wt, bt) => { let out!: tf.Tensor; programs = programsRun(() => { out = conv(xt, wt, bt); }); return out; });
        if (!name && c.filter[2] <= NARROW_DEFAULT_MAX_IN_CHANNELS) {
          // a first layer's default is det's narrow direct conv, in f32, with either precision
          expect({ f32: relativeMaxError(gpu, cpu) < 1e-5, ran: programs.includes('NarrowConvProgram') }).toEqual({ f32: true, ran: true });
          continue;
        }
        // the filter is read as given: no flip dispatch
        const check = { name: name ?? 'default', sameRounding: relativeMaxError(gpu, cpuRounded) < TOL_SAME_ROUNDING, f32: relativeMaxError(gpu, cpu) < TOL_F16, ran: programs.includes(SGMAT), flipped: programs.includes('FlipTransposeFilterProgram') };
        expect(check).toEqual({ name: name ?? 'default', sameRounding: true, f32: true, ran: true, flipped: false });
      }
    }, 300_000);

    it('every matrix-unit filter-gradient tiling that fits the device matches cpu, and the default is one of them', async () => {
      const filterGrad = (xt: tf.Tensor, dyt: tf.Tensor) =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { ...attrs(c), filterShape: c.filter }) as tf.Tensor;
      const cpu = await runOn('cpu', [x, dy], filterGrad);
      const cpuRounded = await runOn('cpu', [rounded(x), rounded(dy)], filterGrad);
      const key = filterGradTuningKey(filterGradShape({ shape: c.x } as tf.TensorInfo, { ...attrs(c), filterShape: c.filter })!.shape);
      const names = filterGradVariants(9 * c.x[3], c.filter[3]).filter((v) => v.sgmat).map(filterGradVariantName);
      for (const name of [undefined, ...names]) {
        if (name) setTunedChoice('Conv2DBackpropFilter', key, name);
        let programs: string[] = [];
        const gpu = await runOn('webgpu', [x, dy], (xt, dyt) => { let out!: tf.Tensor; programs = programsRun(() => { out = filterGrad(xt, dyt); }); return out; });
        const ran = programs.includes('SgmatFilterGradProgram');
        // a tiling that does not fit this device's subgroup size falls back to the default, also f16
        expect({ name: name ?? 'default', sameRounding: relativeMaxError(gpu, cpuRounded) < TOL_SAME_ROUNDING, f32: relativeMaxError(gpu, cpu) < TOL_F16, ran })
          .toEqual({ name: name ?? 'default', sameRounding: true, f32: true, ran: true });
      }
    }, 300_000);

    // Gradients are often far below f16's smallest normal (6e-5), or can exceed its largest
    // (65504): the kernels scale dY by a power of two from its max. Unscaled, 1e-7·dY would
    // flush to a few subnormal bits (errors ~0.1–1) and 1e5·dY would overflow to inf.
    if (!c.forwardOnly) it.each([1e-7, 1e5])('input and filter gradients of dY·%s stay within the f16 tolerance (dY scaled into range)', async (factor) => {
      const scaled = { values: dy.values.map((v) => v * factor), shape: dy.shape };
      const inputGrad = (dyt: tf.Tensor, wt: tf.Tensor) =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt, filter: wt }, { ...attrs(c), inputShape: c.x }) as tf.Tensor;
      const filterGrad = (xt: tf.Tensor, dyt: tf.Tensor) =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { ...attrs(c), filterShape: c.filter }) as tf.Tensor;
      let programs: string[] = [];
      const gx = await runOn('webgpu', [scaled, w], (d, f) => { let out!: tf.Tensor; programs = programsRun(() => { out = inputGrad(d, f); }); return out; });
      expect(programs).toContain(SGMAT);
      const gw = await runOn('webgpu', [x, scaled], (xt, d) => { let out!: tf.Tensor; programs = programsRun(() => { out = filterGrad(xt, d); }); return out; });
      expect(programs).toContain('SgmatFilterGradProgram');
      expect(relativeMaxError(gx, await runOn('cpu', [scaled, w], inputGrad))).toBeLessThan(TOL_F16);
      expect(relativeMaxError(gw, await runOn('cpu', [x, scaled], filterGrad))).toBeLessThan(TOL_F16);
    }, 300_000);
  });

  it('a conv\'s gradients in training: both on matrix units, dY reduced once for both, within the f16 tolerance of cpu, no leak', async () => {
    const c = CASES[1];
    const xs = { values: seededValues(size(c.x), 4), shape: c.x };
    const ws = { values: seededValues(size(c.filter), 5), shape: c.filter };
    const step = convGradients(c.stride, c.pad);
    const cpu = await runOn('cpu', [xs, ws], step);
    let programs: string[] = [];
    const before = tf.memory().numTensors;
    const gpu = await runOn('webgpu', [xs, ws], (xt, wt) => { let out!: tf.Tensor; programs = programsRun(() => { out = step(xt, wt); }); return out; });
    expect(programs.filter((p) => p === SGMAT)).toHaveLength(2); // the forward conv and dX
    expect(programs.filter((p) => p === 'SgmatFilterGradProgram')).toHaveLength(1);
    // det's Conv2D gradient computes dY's scale once and hands it to both kernels (backend/conv-gradient.ts)
    expect(programs.filter((p) => p === 'MaxAbsBitsProgram')).toHaveLength(1);
    expect(relativeMaxError(gpu, cpu)).toBeLessThan(TOL_F16);
    expect(tf.memory().numTensors).toBe(before);
  }, 300_000);

  it('conv + bias + ReLU in training (fusedConvBiasRelu): gradients on matrix units, dY reduced once, within the f16 tolerance of cpu', async () => {
    const c = CASES[1];
    const xs = { values: seededValues(size(c.x), 6), shape: c.x };
    const ws = { values: seededValues(size(c.filter), 7), shape: c.filter };
    const bs = { values: seededValues(c.filter[3], 8), shape: [c.filter[3]] };
    const step = (xt: tf.Tensor, wt: tf.Tensor, bt: tf.Tensor) => {
      const g = tf.grads((a: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(fusedConvBiasRelu(a as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, c.stride, c.pad))))([xt, wt, bt]);
      return tf.concat(g.map((t) => tf.reshape(t, [-1])));
    };
    const cpu = await runOn('cpu', [xs, ws, bs], step);
    let programs: string[] = [];
    const gpu = await runOn('webgpu', [xs, ws, bs], (xt, wt, bt) => { let out!: tf.Tensor; programs = programsRun(() => { out = step(xt, wt, bt); }); return out; });
    expect(programs.filter((p) => p === 'SgmatFilterGradProgram')).toHaveLength(1);
    expect(programs.filter((p) => p === 'MaxAbsBitsProgram')).toHaveLength(1);
    expect(relativeMaxError(gpu, cpu)).toBeLessThan(TOL_F16);
  }, 300_000);

  // What bench/gpu/run.sh part 3a runs on a GPU (--conv-precision f16 --autotune): tuning in f16
  // mode times the matrix-unit candidates beside the f32 ones for all three kernels.
  it('kernel tuning in f16 mode: times f16 and f32 candidates for the shapes a gradient step met, none fails, results stay within the f16 tolerance', async () => {
    const c = CASES[0];
    const xs = { values: seededValues(size(c.x), 9), shape: c.x };
    const ws = { values: seededValues(size(c.filter), 10), shape: c.filter };
    const step = convGradients(c.stride, c.pad);
    const cpu = await runOn('cpu', [xs, ws], step);
    setKernelTuning(true);
    try {
      await runOn('webgpu', [xs, ws], step);
      const results = await tunePendingKernels();
      expect(results.map((r) => r.kernel).sort()).toEqual(['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput']);
      for (const r of results) {
        expect({ kernel: r.kernel, failed: r.failed }).toEqual({ kernel: r.kernel, failed: {} });
        const names = Object.keys(r.ms);
        // the default in f16 mode is a matrix-unit variant, and f32 ones compete with it
        expect({ kernel: r.kernel, f16: names.filter(isF16Name).length > 1, f32: names.some((n) => !isF16Name(n)), defaultF16: isF16Name(r.default) })
          .toEqual({ kernel: r.kernel, f16: true, f32: true, defaultF16: true });
      }
      expect(relativeMaxError(await runOn('webgpu', [xs, ws], step), cpu)).toBeLessThan(TOL_F16);
    } finally {
      setKernelTuning(false);
    }
  }, 1_200_000);

  // lavapipe offers 8×8×8 matrices on 8 lanes only; NVIDIA's units are 16×16×16 / 16×8×16 on 32.
  // Dawn parses and type- and uniformity-checks a shader when its module is created and checks
  // the matrix shapes against the device only when the pipeline is: so for the NVIDIA-like units
  // the first (and only own) error of each kernel must be that lavapipe lacks the shape.
  it.each([
    { subgroupSize: 32, M: 16, N: 16, K: 16 },
    { subgroupSize: 32, M: 16, N: 8, K: 16 },
  ])('shaders for an NVIDIA-like unit ($M×$N×$K, subgroups of $subgroupSize), every tiling, pass Dawn\'s shader checks: the only error is the matrix shape lavapipe lacks', async (unit) => {
    const device = (tf.backend() as unknown as { device: { pushErrorScope(f: string): void; popErrorScope(): Promise<{ message: string } | null> } }).device;
    const real = activeMatrixUnit();
    const x = tf.randomUniform([2, 9, 9, 64], -1, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomUniform([3, 3, 64, 64], -1, 1, 'float32', 2) as tf.Tensor4D;
    const b = tf.randomUniform([64], -1, 1, 'float32', 3) as tf.Tensor1D;
    const conv = (stride: number) => ({ strides: stride, pad: 'same', dataFormat: 'NHWC' });
    const dy = (stride: number) => tf.ones(tf.backend_util.computeConv2DInfo(x.shape, w.shape, stride, 1, 'same').outShape);
    const kernels: [string, () => void, () => tf.Tensor][] = [];
    for (const tiling of Object.keys(SGMAT_TILINGS)) {
      const forwardKey = (stride: number, fused: boolean) =>
        forwardConvTuningKey(forwardAsInputGradShape(x, w, conv(stride))!, { bias: fused, relu: fused });
      const inputKey = (stride: number) => inputGradTuningKey(inputGradShape(w, { ...conv(stride), inputShape: x.shape })!);
      kernels.push(
        [`${tiling}: forward conv`, () => setTunedChoice('Conv2D', forwardKey(1, false), sgmatVariant(tiling)), () => tf.conv2d(x, w, 1, 'same')],
        [`${tiling}: forward conv + bias + ReLU, stride 2`, () => setTunedChoice('FusedConv2D', forwardKey(2, true), sgmatVariant(tiling)),
          () => tf.engine().runKernel('FusedConv2D', { x, filter: w, bias: b }, { ...conv(2), dilations: 1, activation: 'relu' }) as tf.Tensor],
        ...[1, 2].map((stride): [string, () => void, () => tf.Tensor] => [`${tiling}: input gradient, stride ${stride}`,
          () => setTunedChoice('Conv2DBackpropInput', inputKey(stride), sgmatVariant(tiling)),
          () => tf.engine().runKernel('Conv2DBackpropInput', { dy: dy(stride), filter: w }, { ...conv(stride), inputShape: x.shape }) as tf.Tensor]),
      );
    }
    for (const tiling of Object.keys(FILTER_SGMAT_TILINGS)) {
      const key = filterGradTuningKey(filterGradShape(x, { ...conv(1), filterShape: w.shape })!.shape);
      kernels.push([`${tiling}: filter gradient`, () => setTunedChoice('Conv2DBackpropFilter', key, filterGradVariantName({ tiling, splitFactor: 1, sgmat: true })),
        () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dy(1) }, { ...conv(1), filterShape: w.shape }) as tf.Tensor]);
    }
    const CONFIG_ERROR = 'Subgroup matrix usage found which is not supported by the device.';
    const firstErrors = new Set<string>();
    setActiveMatrixUnit(unit);
    try {
      for (const [name, choose, run] of kernels) {
        choose();
        device.pushErrorScope('validation');
        let programs: string[] = [];
        const out = tf.tidy(() => { let o!: tf.Tensor; programs = programsRun(() => { o = run(); }); return o; });
        await out.data();
        out.dispose();
        const error = (await device.popErrorScope())?.message.split('\n')[0];
        const ran = programs.some((p) => p.startsWith('Sgmat'));
        // a tiling over the device's workgroup-memory limit falls back to the default, whose
        // pipeline already failed: then the error says so (a WGSL fault would be a first error)
        const ok = error === CONFIG_ERROR || /^\[Invalid ComputePipeline "Sgmat\w+"\] is invalid due to a previous error\.$/.test(error ?? '');
        expect({ name, ran, error, ok }).toEqual({ name, ran: true, error, ok: true });
        firstErrors.add(error === CONFIG_ERROR ? programs.find((p) => p.startsWith('Sgmat'))! : '');
      }
      expect([...firstErrors].filter(Boolean).sort()).toEqual(['SgmatFilterGradProgram', 'SgmatPhaseGemmProgram']);
    } finally {
      setActiveMatrixUnit(real);
      tf.dispose([x, w, b]);
    }
  }, 600_000);
});
