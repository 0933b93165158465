import * as tf from '@tensorflow/tfjs-core';
import { overrideWebGpuKernel, type KernelFunc } from './kernel-override';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { flipTransposeFilter } from './conv2d-input-grad-forward';
import { INPUT_GRAD_TILINGS, InputGradProgram, type GemmEpilogue, type InputGradShape } from './conv2d-input-grad-program';
import { applicableCandidates, kernelTuningActive, tunedChoice, type TuningRequest } from '../tuning/kernel-tuner';
import { defaultSgmatVariant, isF16Variant, sgmatProgram, sgmatVariant } from './conv2d-input-grad-variants';
import { SGMAT_TILINGS } from './conv2d-phase-gemm-sgmat-program';
import { activeMatrixUnit } from '../conv-precision';
import { NARROW_PIXELS, narrowProgramFor } from './conv2d-narrow-program';
import { forwardConvShape, type ForwardConvShape } from './conv2d-forward-shape';

export const TFJS_CONV = 'tfjs';
const PHASE_GEMM = 'phase-gemm:';
const NARROW = 'narrow:';

/**
 * A forward conv as det's input-gradient GEMM: y[n, oh, ow, c'] = Σ x[n, s·oh + a − p,
 * s·ow + b − p, c]·W[a, b, c, c'] is, with kh = K−1−a, the stride-1 input gradient of a conv
 * whose "dY" is x (read at row s·oh + K−1−p − kh: the gather stride), whose filter is W flipped
 * and transposed, and whose padding is K−1−p. Null where that does not hold (NCHW, dilation,
 * padding beyond K−1).
 */
export function forwardAsInputGradShape(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: Record<string, unknown>): InputGradShape | null {
  const f = forwardConvShape(x, filter, attrs);
  return f && asInputGradShape(f);
}

function asInputGradShape(f: ForwardConvShape): InputGradShape | null {
  if (f.padTop < 0 || f.padLeft < 0 || f.padTop > f.kH - 1 || f.padLeft > f.kW - 1) return null;
  return {
    batch: f.batch, inH: f.outH, inW: f.outW, inC: f.outC,
    outH: f.inH, outW: f.inW, outC: f.inC,
    kH: f.kH, kW: f.kW, strideH: 1, strideW: 1,
    padTop: f.kH - 1 - f.padTop, padLeft: f.kW - 1 - f.padLeft,
    gatherStrideH: f.strideH, gatherStrideW: f.strideW,
  };
}

interface ForwardContext {
  backend: WebGpuBackendLike; s: InputGradShape; epilogue: GemmEpilogue;
  /** the call's own (forward) shape, for the narrow program */
  forward: ForwardConvShape;
  /** tfjs's kernel with this call's attrs; inputs [x, filter] or [x, filter, bias] */
  tfjs: (inputs: tf.TensorInfo[]) => tf.TensorInfo;
}
type ForwardRun = (inputs: tf.TensorInfo[]) => tf.TensorInfo;

/** The forward conv's variants: tfjs's kernel, det's narrow direct conv, or the filter flip + det's GEMM with a tiling. */
function forwardVariant(ctx: ForwardContext, name: string): ForwardRun | null {
  const { backend, s } = ctx;
  if (name === TFJS_CONV) return ctx.tfjs;
  if (name.startsWith(NARROW)) {
    const program = narrowProgramFor(backend, ctx.forward, ctx.epilogue, [Number(name.slice(NARROW.length))]);
    return program ? (inputs) => backend.runWebGPUProgram(program, inputs, 'float32') : null;
  }
  if (isF16Variant(name)) {
    // reads the filter as given (taps flipped in its index math): no flip dispatch
    const sgmat = sgmatProgram(backend, s, name, { epilogue: ctx.epilogue, directW: true });
    return sgmat ? (inputs) => backend.runWebGPUProgram(sgmat, inputs, 'float32') : null;
  }
  const tiling = name.startsWith(PHASE_GEMM) ? INPUT_GRAD_TILINGS[name.slice(PHASE_GEMM.length)] : undefined;
  if (!tiling) return null;
  const program = new InputGradProgram(s, tiling, ctx.epilogue);
  if (program.dispatch.some((d) => d > (backend.device.limits.maxComputeWorkgroupsPerDimension ?? 65535))) return null;
  return ([x, w, ...bias]) => {
    const flipped = flipTransposeFilter(backend, w);
    try {
      return backend.runWebGPUProgram(program, [x, flipped, ...bias], 'float32');
    } finally {
      backend.disposeData(flipped.dataId);
    }
  };
}

/** Every variant name, in the order tuning times them. */
export const forwardVariantNames = (): string[] => [
  TFJS_CONV, ...NARROW_PIXELS.map(narrowVariant), ...Object.keys(INPUT_GRAD_TILINGS).map((t) => `${PHASE_GEMM}${t}`), ...Object.keys(SGMAT_TILINGS).map(sgmatVariant),
];

/** The narrow direct conv with `pixels` output pixels per thread. */
export const narrowVariant = (pixels: number): string => `${NARROW}${pixels}`;

/**
 * Up to this many input channels (a network's first layer: RGB) the narrow direct conv is the
 * default: tfjs's GEMM takes its scalar path there and tiles the few output channels 32 wide.
 * lavapipe, 2×320²×3 → 16 (the reference's first layer): tfjs 205 ms, narrow:4 24 ms; not yet
 * timed on a GPU (the H200 ran tfjs's GEMM there at 3.5 TFLOP/s, 0.41 ms at batch 16).
 */
export const NARROW_DEFAULT_MAX_IN_CHANNELS = 4;

/** The narrow program with the most pixels per thread that fits the shape, for first layers. */
function defaultNarrowVariant(backend: WebGpuBackendLike, forward: ForwardConvShape): string | null {
  if (forward.inC > NARROW_DEFAULT_MAX_IN_CHANNELS) return null;
  const program = narrowProgramFor(backend, forward);
  return program ? narrowVariant(program.pixels) : null;
}


/**
 * The narrow direct conv for first layers; otherwise tfjs's GEMM, or with conv precision 'f16' on
 * a device with matrix units, the matrix-unit GEMM where it applies.
 */
function defaultForwardVariant(ctx: ForwardContext): string {
  return defaultNarrowVariant(ctx.backend, ctx.forward)
    || (activeMatrixUnit() && defaultSgmatVariant(ctx.backend, ctx.s, { epilogue: ctx.epilogue, directW: true })) || TFJS_CONV;
}

export function forwardConvTuningKey(s: InputGradShape, epilogue: GemmEpilogue = { bias: false, relu: false }): string {
  const pixels = Math.round(2 * Math.log2(s.batch * s.inH * s.inW));
  const epi = `${epilogue.bias ? '+bias' : ''}${epilogue.relu ? '+relu' : ''}`;
  return `${s.outC}→${s.inC}${epi} k${s.kH}x${s.kW} s${s.gatherStrideH ?? 1}x${s.gatherStrideW ?? 1} p${s.kH - 1 - s.padTop},${s.kW - 1 - s.padLeft} px≈2^${pixels / 2}`;
}

/** Runs the tuned (or default) variant of one forward call; `inputs` are [x, filter(, bias)]. */
function runTuned(kernel: string, ctx: ForwardContext, inputs: tf.TensorInfo[]): tf.TensorInfo {
  const fallback = defaultForwardVariant(ctx);
  if (!kernelTuningActive()) return (forwardVariant(ctx, fallback) ?? ctx.tfjs)(inputs);
  const name = tunedChoice(kernel, forwardConvTuningKey(ctx.s, ctx.epilogue), fallback, (): TuningRequest => ({
    inputs: inputs.map((t) => t.shape),
    candidates: applicableCandidates(forwardVariantNames(), (n) => forwardVariant(ctx, n), isF16Variant),
  }));
  return (forwardVariant(ctx, name) ?? ctx.tfjs)(inputs);
}

/**
 * Conv2D with kernel tuning: tfjs's forward GEMM by default (unchanged unless tuning is on, conv
 * precision is f16, where det's matrix-unit GEMM is the default, or the layer has ≤ 4 input
 * channels, where det's narrow direct conv is), and for NHWC float32 convs (any stride, dilation
 * 1) the narrow conv and det's GEMM with each tiling as candidates (the 8×8-per-thread tilings do
 * twice the multiply-adds per shared-memory read of tfjs's 4×4). Not yet timed on a GPU.
 */
export function tunedConv2d(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    if (!kernelTuningActive() && !activeMatrixUnit() && !fewInputChannels(filter)) return original(args); // tfjs's, without the shape work
    const attrs = args.attrs ?? {};
    const forward = x.dtype === 'float32' && filter.dtype === 'float32' ? forwardConvShape(x, filter, attrs) : null;
    const s = forward && asInputGradShape(forward);
    if (!s || !forward) return original(args);
    const backend = args.backend as WebGpuBackendLike;
    const tfjs = ([xi, wi]: tf.TensorInfo[]) => original({ inputs: { x: xi, filter: wi }, backend, attrs }) as tf.TensorInfo;
    return runTuned('Conv2D', { backend, s, forward, epilogue: { bias: false, relu: false }, tfjs }, [x, filter]);
  };
}

/** A first layer's filter (HWIO): the narrow direct conv's default territory. */
const fewInputChannels = (filter: tf.TensorInfo | undefined): boolean => !!filter && filter.shape[2] <= NARROW_DEFAULT_MAX_IN_CHANNELS;

/**
 * FusedConv2D (conv + bias + linear/ReLU: det's conv+bias(+ReLU) layers, e.g. RetinaNet's head
 * and FPN convs) with the same candidates, the bias and ReLU in det's GEMM's store. Other
 * activations, PReLU weights and biases that are not one value per output channel stay on tfjs.
 */
export function tunedFusedConv2d(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    if (!kernelTuningActive() && !activeMatrixUnit() && !fewInputChannels(filter)) return original(args);
    const attrs = args.attrs ?? {};
    const activation = (attrs.activation as string | undefined) ?? 'linear';
    const outC = filter!.shape[3];
    const ok = x!.dtype === 'float32' && filter!.dtype === 'float32' && !preluActivationWeights &&
      (activation === 'linear' || activation === 'relu') &&
      (!bias || (bias.dtype === 'float32' && bias.shape.reduce((a, b) => a * b, 1) === outC));
    const forward = ok ? forwardConvShape(x!, filter!, attrs) : null;
    const s = forward && asInputGradShape(forward);
    if (!s || !forward) return original(args);
    const backend = args.backend as WebGpuBackendLike;
    const tfjs = ([xi, wi, bi]: tf.TensorInfo[]) =>
      original({ inputs: { x: xi, filter: wi, ...(bi ? { bias: bi } : {}) }, backend, attrs }) as tf.TensorInfo;
    const epilogue = { bias: !!bias, relu: activation === 'relu' };
    return runTuned('FusedConv2D', { backend, s, forward, epilogue, tfjs }, bias ? [x!, filter!, bias] : [x!, filter!]);
  };
}

export function registerTunedConv2d(): void {
  overrideWebGpuKernel('Conv2D', tunedConv2d);
  overrideWebGpuKernel('FusedConv2D', tunedFusedConv2d);
}
