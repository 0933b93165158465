import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@det/registry';
import { describeIfGpu, gpuSuite } from '../testing/describe-if-gpu';
import { programsRun, relativeMaxError } from '../testing/compare';
import { setupWebGpu } from '../setup';
import { inputGradViaForwardConv, planStridedInputGrad, stridedInputGradViaForwardConvs, type Conv2dKernel } from './conv2d-input-grad-forward';
import { inputGradShape } from './conv2d-input-grad';
import { FORWARD_CONV, FORWARD_PHASES_NARROW, inputGradTuningKey } from './conv2d-input-grad-variants';
import { resetKernelTuning, setTunedChoice } from '../tuning/kernel-tuner';
import type { WebGpuBackendLike } from './webgpu-backend-like';

// Stride-1 Conv2DBackpropInput as a forward conv of dY with the flipped, transposed filter,
// against the cpu backend's Conv2DBackpropInput (relative 1e-4, float32 sums of ≤ 5·5·24 terms).

type Case = { x: [number, number, number, number]; k: [number, number]; outC: number; pad: 'same' | 'valid' | number };
const CASES: Case[] = [
  { x: [2, 9, 7, 8], k: [3, 3], outC: 12, pad: 'same' },
  { x: [1, 8, 8, 5], k: [3, 3], outC: 4, pad: 'valid' },
  { x: [2, 6, 5, 16], k: [1, 1], outC: 24, pad: 'valid' },
  { x: [1, 11, 10, 3], k: [5, 5], outC: 7, pad: 2 },
  { x: [1, 7, 6, 4], k: [2, 2], outC: 5, pad: 'same' }, // even kernel: padding 0 before, 1 after
];

describeIfGpu(gpuSuite('stride-1 input gradient via the forward conv'), () => {
  beforeAll(async () => { await setupWebGpu(); });

  it.each(CASES)('x $x, kernel $k, pad $pad', async (c) => {
    const rng = new Rng(3);
    const fill = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
    const w = fill(c.k[0] * c.k[1] * c.x[3] * c.outC);
    const info = tf.backend_util.computeConv2DInfo(c.x, [c.k[0], c.k[1], c.x[3], c.outC], 1, 1, c.pad, undefined, false, 'channelsLast');
    const dyShape = [c.x[0], info.outHeight, info.outWidth, c.outC];
    const dy = fill(dyShape.reduce((a, v) => a * v));

    await tf.setBackend('cpu');
    const ref = tf.conv2dTranspose(tf.tensor4d(dy, dyShape as [number, number, number, number]), tf.tensor4d(w, [c.k[0], c.k[1], c.x[3], c.outC]), c.x, 1, c.pad);
    const expected = await ref.data();
    ref.dispose();

    await tf.setBackend('webgpu');
    const [dyT, wT] = [tf.tensor(dy, dyShape), tf.tensor(w, [c.k[0], c.k[1], c.x[3], c.outC])];
    const backend = tf.backend() as unknown as WebGpuBackendLike;
    const conv2d = tf.getKernel('Conv2D', 'webgpu')!.kernelFunc as unknown as Parameters<typeof inputGradViaForwardConv>[1];
    const p = info.padInfo;
    const out = inputGradViaForwardConv(backend, conv2d, dyT, wT, { padTop: p.top, padBottom: p.bottom, padLeft: p.left, padRight: p.right });
    const got = tf.engine().makeTensorFromTensorInfo(out);
    expect(got.shape).toEqual(c.x);
    const err = relativeMaxError(await got.data(), expected);
    tf.dispose([dyT, wT, got]);
    expect(err).toBeLessThan(1e-4);
  });

  /** Makes kernel tuning's choice for this call `variant` (the phase GEMM is the default). */
  function pinInputGrad(filter: tf.Tensor, inputShape: number[], strides: number, variant: string): void {
    const s = inputGradShape(filter, { inputShape, strides, pad: 'same', dataFormat: 'NHWC' })!;
    setTunedChoice('Conv2DBackpropInput', inputGradTuningKey(s), variant);
  }
  afterEach(() => resetKernelTuning());

  it('is what Conv2DBackpropInput runs at stride 1 when tuning picks it (the flip, then the forward conv of tfjs)', async () => {
    await tf.setBackend('webgpu');
    const [dy, w] = [tf.randomNormal([1, 8, 8, 8]), tf.randomNormal([3, 3, 16, 8])];
    pinInputGrad(w, [1, 8, 8, 16], 1, FORWARD_CONV);
    const programs = programsRun(() => tf.dispose(tf.conv2dTranspose(dy as tf.Tensor4D, w as tf.Tensor4D, [1, 8, 8, 16], 1, 'same')));
    tf.dispose([dy, w]);
    // the forward conv is tfjs's choice: implicit GEMM, or im2col + matMul for small inputs
    expect(programs[0]).toBe('FlipTransposeFilterProgram');
    expect(programs.slice(1).some((p) => /Conv2DMM|Im2Col|MatMul/.test(p))).toBe(true);
    expect(programs.filter((p) => /DerInput|InputGrad/.test(p))).toEqual([]);
  });

  // Strided: one forward conv per stride phase + the interleave pass, vs cpu (1e-4 relative).
  type Strided = { x: [number, number, number, number]; k: [number, number]; outC: number; stride: [number, number]; pad: 'same' | 'valid' | number };
  const STRIDED: Strided[] = [
    { x: [2, 10, 9, 8], k: [3, 3], outC: 12, stride: [2, 2], pad: 'same' }, // odd width: phases of unequal size
    { x: [1, 11, 11, 5], k: [3, 3], outC: 6, stride: [2, 2], pad: 'valid' },
    { x: [1, 12, 10, 4], k: [5, 5], outC: 7, stride: [2, 2], pad: 2 },
    { x: [2, 9, 8, 3], k: [3, 3], outC: 4, stride: [2, 1], pad: 'same' },
    { x: [1, 8, 8, 16], k: [2, 2], outC: 8, stride: [2, 2], pad: 'valid' }, // one tap per phase
  ];

  it.each(STRIDED)('strided: x $x, kernel $k, stride $stride, pad $pad', async (c) => {
    const rng = new Rng(9);
    const fill = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
    const wShape = [c.k[0], c.k[1], c.x[3], c.outC] as [number, number, number, number];
    const w = fill(wShape.reduce((a, v) => a * v));
    const info = tf.backend_util.computeConv2DInfo(c.x, wShape, c.stride, 1, c.pad, undefined, false, 'channelsLast');
    const dyShape = [c.x[0], info.outHeight, info.outWidth, c.outC] as [number, number, number, number];
    const dy = fill(dyShape.reduce((a, v) => a * v));

    await tf.setBackend('cpu');
    const ref = tf.conv2dTranspose(tf.tensor4d(dy, dyShape), tf.tensor4d(w, wShape), c.x, c.stride, c.pad);
    const expected = await ref.data();
    ref.dispose();

    await tf.setBackend('webgpu');
    const [dyT, wT] = [tf.tensor(dy, dyShape), tf.tensor(w, wShape)];
    const shape = inputGradShape(wT, { inputShape: c.x, strides: c.stride, pad: c.pad, dataFormat: 'NHWC' })!;
    const plan = planStridedInputGrad(shape);
    expect(plan).not.toBeNull();
    const conv2d = tf.getKernel('Conv2D', 'webgpu')!.kernelFunc as unknown as Conv2dKernel;
    const out = stridedInputGradViaForwardConvs(tf.backend() as unknown as WebGpuBackendLike, conv2d, dyT, wT, c.x, plan!, c.stride);
    const got = tf.engine().makeTensorFromTensorInfo(out);
    expect(got.shape).toEqual(c.x);
    const err = relativeMaxError(await got.data(), expected);
    tf.dispose([dyT, wT, got]);
    expect(err).toBeLessThan(1e-4);
  });

  it('has no plan where a stride phase gets no tap (1×1 kernel, stride 2) or there are > 7 phases', () => {
    const base = { inH: 8, inW: 8, outH: 4, outW: 4, padTop: 0, padLeft: 0 };
    expect(planStridedInputGrad({ ...base, kH: 1, kW: 1, strideH: 2, strideW: 2 })).toBeNull();
    expect(planStridedInputGrad({ ...base, outH: 3, outW: 3, kH: 3, kW: 3, strideH: 3, strideW: 3 })).toBeNull();
    expect(planStridedInputGrad({ ...base, kH: 3, kW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1 })?.phases.map((p) => [p.h.count, p.w.count]))
      .toEqual([[1, 1], [1, 2], [2, 1], [2, 2]]);
  });

  it('is what Conv2DBackpropInput runs for strided layers when tuning picks it (and it matches cpu)', async () => {
    const dyShape = [1, 8, 8, 8] as [number, number, number, number];
    const rng = new Rng(4);
    const dyV = Float32Array.from({ length: 512 }, () => rng.next() - 0.5);
    const wV = Float32Array.from({ length: 3 * 3 * 16 * 8 }, () => rng.next() - 0.5);
    const run = () => tf.conv2dTranspose(tf.tensor4d(dyV, dyShape), tf.tensor4d(wV, [3, 3, 16, 8]), [1, 16, 16, 16], 2, 'same');
    await tf.setBackend('cpu');
    const ref = run();
    const expected = await ref.data();
    ref.dispose();
    await tf.setBackend('webgpu');
    const w = tf.tensor4d(wV, [3, 3, 16, 8]);
    pinInputGrad(w, [1, 16, 16, 16], 2, FORWARD_PHASES_NARROW);
    w.dispose();
    let got: tf.Tensor | undefined;
    const programs = programsRun(() => { got = run(); });
    const err = relativeMaxError(await got!.data(), expected);
    got!.dispose();
    expect(programs.filter((p) => p === 'FlipTransposeFilterProgram')).toHaveLength(4);
    expect(programs[programs.length - 1]).toBe('InterleavePhasesProgram');
    expect(programs.filter((p) => /DerInput|InputGradProgram/.test(p))).toEqual([]);
    expect(err).toBeLessThan(1e-4);
  });
});
