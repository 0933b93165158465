import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc } from './kernel-override';
import type { WebGpuBackendLike } from './webgpu-backend-like';
import { inputGradViaForwardConv, planStridedInputGrad, stridedInputGradViaForwardConvs, type Conv2dKernel, type StridedInputGradPlan } from './conv2d-input-grad-forward';
import { INPUT_GRAD_TILINGS, InputGradProgram, type GemmEpilogue, type InputGradShape, type InputGradTiling } from './conv2d-input-grad-program';
import { SGMAT_TILINGS, SgmatPhaseGemmProgram, type SgmatPhaseGemmOptions } from './conv2d-phase-gemm-sgmat-program';
import { activeMatrixUnit } from '../conv-precision';
import { maxAbsBits } from './max-abs-bits-program';
import { narrowOr, narrowProgramFor } from './conv2d-narrow-program';

/** What every input-gradient variant may use for one call shape. */
export interface InputGradContext {
  backend: WebGpuBackendLike;
  s: InputGradShape;
  /** tfjs's own kernel (its implicit GEMM over a zero-dilated dY) with this call's attrs. */
  original: KernelFunc;
  attrs: Record<string, unknown>;
  /** The webgpu backend's Conv2D kernel function (tfjs's forward GEMM), if registered. */
  conv2d?: Conv2dKernel;
  /** max |dY| as f32 bits, when the caller computed it (backend/conv-gradient.ts); only for this call's dY. */
  amax?: tf.TensorInfo;
}

/** Computes dX from (dY, W) for the context's shape. */
export type InputGradRun = (dy: tf.TensorInfo, filter: tf.TensorInfo) => tf.TensorInfo;

export const TFJS_GEMM = 'tfjs-gemm';
export const FORWARD_CONV = 'forward-conv';
export const FORWARD_PHASES = 'forward-phases';
/** forward-phases with det's narrow direct conv for the phase convs (few input channels). */
export const FORWARD_PHASES_NARROW = 'forward-phases-narrow';
const PHASE_GEMM = 'phase-gemm:';
export const phaseGemmVariant = (tiling: string) => `${PHASE_GEMM}${tiling}`;
/** The phase GEMM on matrix units (f16 operands; only with conv precision 'f16'). */
const PHASE_SGMAT = 'phase-sgmat:';
export const sgmatVariant = (tiling: string) => `${PHASE_SGMAT}${tiling}`;
/** Whether a variant rounds its operands to f16 (tuning then checks it with F16_TOLERANCE). */
export const isF16Variant = (name: string): boolean => name.startsWith(PHASE_SGMAT);

/**
 * The matrix-unit program for a phase GEMM (an input gradient, or a forward conv through the
 * filter flip), or null: conv precision is 'f32' or the device has no matrix units, the tiling
 * is unknown or does not fit the device (workgroup memory, grid, the unit's matrix shape), or N
 * is under 16 channels.
 */
export function sgmatProgram(backend: WebGpuBackendLike, s: InputGradShape, name: string, options: SgmatPhaseGemmOptions = {}): SgmatPhaseGemmProgram | null {
  const unit = activeMatrixUnit();
  const tiling = name.startsWith(PHASE_SGMAT) ? SGMAT_TILINGS[name.slice(PHASE_SGMAT.length)] : undefined;
  if (!unit || !tiling || s.inC < 16) return null;
  let program: SgmatPhaseGemmProgram;
  try {
    program = new SgmatPhaseGemmProgram(s, tiling, unit, options);
  } catch {
    return null; // the tiling does not divide into this unit's matrices
  }
  const limits = backend.device.limits;
  if (program.workgroupBytes > (limits.maxComputeWorkgroupStorageSize ?? 16384)) return null;
  if (program.workgroupSize[0] > (limits.maxComputeInvocationsPerWorkgroup ?? 256)) return null;
  if (program.dispatch.some((d) => d > (limits.maxComputeWorkgroupsPerDimension ?? 65535))) return null;
  return program;
}

/** With matrix units active, det's default for a phase GEMM of N = inC channels (not yet timed on a GPU). */
export function defaultSgmatVariant(backend: WebGpuBackendLike, s: InputGradShape, options: SgmatPhaseGemmOptions = {}): string | null {
  const name = sgmatVariant(s.inC >= 64 ? 'S_64x64k32_2x2' : s.inC >= 32 ? 'U_64x32k32_2x2' : 'W_128x16k32_4x1');
  return sgmatProgram(backend, s, name, options) ? name : null;
}

/**
 * The phase GEMM's tiling for one input gradient, by dX's channels (the GEMM's N) and stride:
 * the tilings kernel tuning picked for the reference layers at batch 16 on an H100 (bench/gpu,
 * 2026-11-26). Pinned together with the filter-gradient picks they made the step 15.3–15.9 →
 * 12.6 ms; one tuning run's picks, several within a timestamp quantum (65 µs) of the next
 * tiling, so this is a measured starting point, not a law: tuning re-measures every tiling.
 * 128 wide from 64 channels up (128×128 for strided layers and few dY channels, 128×64 else,
 * and for 64 channels strided), 64×32 (prefetching) for 64 and 32 channels, 64×16 below (a
 * 16-channel dX would leave wider tiles half empty).
 */
export function chooseInputGradTiling(s: InputGradShape): InputGradTiling {
  const strided = s.strideH > 1 || s.strideW > 1;
  if (s.inC >= 128) return strided || s.outC < 64 ? INPUT_GRAD_TILINGS.J_128x128k8_8x8_il : INPUT_GRAD_TILINGS.I_128x64k8_8x8_il;
  if (s.inC >= 64) return strided ? INPUT_GRAD_TILINGS.I_128x64k8_8x8_il : INPUT_GRAD_TILINGS.H_64x32k16_4x4_pf;
  if (s.inC >= 32) return strided ? INPUT_GRAD_TILINGS.H_64x32k16_4x4_pf : INPUT_GRAD_TILINGS.C_64x32k16_4x4;
  return INPUT_GRAD_TILINGS.E_64x16k16_4x4;
}

// every input-gradient call names its default's tiling: a lookup, not a search
const TILING_NAMES = new Map(Object.entries(INPUT_GRAD_TILINGS).map(([name, t]) => [t, name]));
export const tilingName = (t: InputGradTiling): string => TILING_NAMES.get(t) ?? JSON.stringify(t);

/** Every variant name, in the order tuning times them. */
export function inputGradVariantNames(): string[] {
  return [
    TFJS_GEMM, FORWARD_CONV, FORWARD_PHASES, FORWARD_PHASES_NARROW, ...Object.keys(INPUT_GRAD_TILINGS).map(phaseGemmVariant),
    ...Object.keys(SGMAT_TILINGS).map(sgmatVariant),
  ];
}

/**
 * The runner for variant `name`, or null where it does not apply to the shape:
 * - tfjs-gemm: tfjs's kernel; always applies.
 * - forward-conv (stride 1): a forward conv of dY with the flipped filter on tfjs's forward GEMM,
 *   where the padding is expressible (p ≤ K − 1).
 * - forward-phases (strided): one forward conv per stride phase + an interleave pass, where every
 *   phase has taps and there are ≤ 7 phases.
 * - forward-phases-narrow: the same with det's narrow direct conv for the phase convs, where the
 *   whole filter fits it (dX has ≤ 64 channels, a multiple of 4; filter ≤ 16 KB). Not yet timed on a GPU.
 * - phase-gemm:<tiling>: det's one-dispatch phase GEMM (any stride), where the grid fits the
 *   device's per-dimension workgroup limit.
 */
export function inputGradVariant(ctx: InputGradContext, name: string): InputGradRun | null {
  const { backend, s, conv2d } = ctx;
  const strided = s.strideH > 1 || s.strideW > 1;
  if (name === TFJS_GEMM) {
    return (dy, filter) => ctx.original({ inputs: { dy, filter }, backend, attrs: ctx.attrs }) as tf.TensorInfo;
  }
  if (name === FORWARD_CONV) {
    const [padBottom, padRight] = [s.padBottom ?? s.padTop, s.padRight ?? s.padLeft];
    const fits = Math.max(s.padTop, padBottom) <= s.kH - 1 && Math.max(s.padLeft, padRight) <= s.kW - 1;
    if (strided || !fits || !conv2d) return null;
    return (dy, filter) => inputGradViaForwardConv(backend, conv2d, dy, filter, { padTop: s.padTop, padBottom, padLeft: s.padLeft, padRight });
  }
  if (name === FORWARD_PHASES || name === FORWARD_PHASES_NARROW) {
    const plan = strided && conv2d ? planStridedInputGrad(s) : null;
    if (!plan) return null;
    if (name === FORWARD_PHASES_NARROW && !narrowPhaseConvsFit(backend, s, plan)) return null;
    const conv = name === FORWARD_PHASES_NARROW ? narrowOr(conv2d!) : conv2d!;
    return (dy, filter) => stridedInputGradViaForwardConvs(backend, conv, dy, filter, [s.batch, s.inH, s.inW, s.inC], plan, [s.strideH, s.strideW]);
  }
  if (isF16Variant(name)) {
    // dY is a gradient: scaled into f16's range by its max (one small reduction dispatch)
    const sgmat = sgmatProgram(backend, s, name, { scaleA: true });
    return sgmat ? (dy, filter) => {
      if (ctx.amax) return backend.runWebGPUProgram(sgmat, [dy, filter, ctx.amax], 'float32'); // shared with the filter gradient
      const amax = maxAbsBits(backend, dy);
      try {
        return backend.runWebGPUProgram(sgmat, [dy, filter, amax], 'float32');
      } finally {
        backend.disposeData(amax.dataId);
      }
    } : null;
  }
  const tiling = name.startsWith(PHASE_GEMM) ? INPUT_GRAD_TILINGS[name.slice(PHASE_GEMM.length)] : undefined;
  if (!tiling) return null;
  const program = new InputGradProgram(s, tiling);
  const maxGroups = backend.device.limits.maxComputeWorkgroupsPerDimension ?? 65535;
  if (program.dispatch.some((d) => d > maxGroups)) return null;
  return (dy, filter) => backend.runWebGPUProgram(program, [dy, filter], 'float32');
}

/** Whether the largest phase conv (dY's outC channels into dX's inC, over the most taps a phase has) fits the narrow program. */
function narrowPhaseConvsFit(backend: WebGpuBackendLike, s: InputGradShape, plan: StridedInputGradPlan): boolean {
  const kH = Math.max(...plan.phases.map((p) => p.h.count));
  const kW = Math.max(...plan.phases.map((p) => p.w.count));
  return narrowProgramFor(backend, {
    batch: s.batch, inH: s.outH, inW: s.outW, inC: s.outC, outH: s.outH, outW: s.outW, outC: s.inC, kH, kW, strideH: 1, strideW: 1, padTop: 0, padLeft: 0,
  }) != null;
}

/**
 * det's rule, and the choice when the shape is not tuned: the phase GEMM (any stride) with
 * chooseInputGradTiling's tiling. On the H100 it beat the earlier rule — tfjs's forward GEMM on
 * the flipped filter for stride 1 (`forward-conv`), per-phase forward convs for strided layers
 * under 32 channels — end to end: the step 15.3–15.9 → 13.8 ms with only the input gradients'
 * tuned choices pinned. Where it does not apply (a grid over the device's limits), tfjs-gemm.
 * With conv precision 'f16' on a device with matrix units (and a backend given), the matrix-unit
 * phase GEMM wherever it applies.
 */
export function defaultInputGradVariant(s: InputGradShape, backend?: WebGpuBackendLike): string {
  const sgmat = backend && activeMatrixUnit() ? defaultSgmatVariant(backend, s) : null;
  if (sgmat) return sgmat;
  return phaseGemmVariant(tilingName(chooseInputGradTiling(s)));
}

/**
 * The tuning key: the shape up to its pixel count, which is bucketed to the nearest power of √2
 * so that varying image sizes (multi-scale training, keep-ratio resizing) share measurements.
 */
export function inputGradTuningKey(s: InputGradShape): string {
  const pixels = Math.round(2 * Math.log2(s.batch * s.inH * s.inW));
  return `${s.outC}→${s.inC} k${s.kH}x${s.kW} s${s.strideH}x${s.strideW} p${s.padTop},${s.padLeft},${s.padBottom ?? s.padTop},${s.padRight ?? s.padLeft} px≈2^${pixels / 2}`;
}
