import type * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike, WebGpuProgramLike } from './webgpu-backend-like';
import { wgslFloat } from './conv2d-filter-grad-program';
import { ElementwiseProgram } from './elementwise-program';
import { runWithExtraOutputs } from './extra-outputs';
import { writableMarker } from '../shader-hooks';

// Training-mode BatchNorm over the channel (last) axis of a row-major [rows, C] view of an NHWC
// tensor, in four programs: per-channel partial sums (statistics, or the two gradient sums),
// their finalisation per channel, the normalisation (+ ReLU), and the input gradient.
// tfjs composes the same math from ~40 element-wise and reduction dispatches per layer.

const THREADS = 256;

/**
 * What a partial-sum pass accumulates per channel c (x̄ = x − mean, g = dy masked by y > 0 with
 * ReLU); 'gn-affine(-relu)': GroupNorm's Σ g·x̂ and Σ g (x̂ from the per-(n, group) statistics).
 */
export type ChannelSumsKind = 'stats' | 'grad' | 'grad-relu' | 'gn-affine' | 'gn-affine-relu';

/** Pixels per sample and channel groups, for the GroupNorm kinds. */
export interface ChannelGroups { hw: number; groups: number }

/** Workgroup memory for two running sums per thread (`pairTreeSum` adds them up). */
export const pairAccumulators = (threads: number): string => `
      var<workgroup> acc0 : array<f32, ${threads}>;
      var<workgroup> acc1 : array<f32, ${threads}>;`;

/**
 * Adds the threads' (s0, s1) over `lanes` lanes in workgroup memory, a fixed tree: lane `lane`
 * of column slot `li % columns`; afterwards lane 0 of each slot holds the sums at acc0/acc1[slot].
 */
export function pairTreeSum(lanes: number, columns: number, lane: string): string {
  const step = columns === 1 ? 'stride' : `stride * ${columns}`;
  return `
        acc0[li] = s0;
        acc1[li] = s1;
        workgroupBarrier();
        for (var stride = ${lanes / 2}; stride > 0; stride = stride / 2) {
          if (${lane} < stride) {
            acc0[li] = acc0[li] + acc0[li + ${step}];
            acc1[li] = acc1[li] + acc1[li + ${step}];
          }
          workgroupBarrier();
        }`;
}

/** Columns one workgroup covers (a power of two ≤ 64) and the row lanes that share it. */
export function channelLayout(cols: number): { colsPerGroup: number; lanes: number } {
  let colsPerGroup = 1;
  while (colsPerGroup < Math.min(cols, 64)) colsPerGroup *= 2;
  return { colsPerGroup, lanes: THREADS / colsPerGroup };
}

/**
 * partial[split, 0|1, c] over the split's rows:
 *  stats:     Σ (x − x[0,c]) and Σ (x − x[0,c])² (shifted by the first row: one pass, no cancellation
 *             of a large mean against a small variance)
 *  grad(-relu): Σ g and Σ g·(x − mean)
 *  gn-affine(-relu): Σ g·x̂ and Σ g, x̂ = (x − mean)·rstd of the row's sample and the channel's group
 * Rows run along `lanes` threads per column (coalesced reads for any C), reduced in workgroup memory.
 */
export class ChannelSumsProgram implements WebGpuProgramLike {
  readonly variableNames: string[];
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0, 1, 2] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;
  private readonly chunk: number;
  private readonly layout: { colsPerGroup: number; lanes: number };

  /**
   * `meanIsScalar`: mean has one element for all channels (tf.batchNorm broadcasts it).
   * `groups`: for the GroupNorm kinds, whose third input is the [N·G, 2] (mean, rstd) statistics.
   */
  constructor(readonly rows: number, readonly cols: number, readonly splits: number, readonly kind: ChannelSumsKind, readonly meanIsScalar = false,
    readonly groups?: ChannelGroups) {
    const gn = kind === 'gn-affine' || kind === 'gn-affine-relu';
    if (gn && !groups) throw new Error(`ChannelSumsProgram ${kind}: the group layout is missing`);
    const relu = kind === 'grad-relu' || kind === 'gn-affine-relu';
    this.variableNames = kind === 'stats' ? ['x'] : ['x', 'dy', gn ? 'stats' : 'mean', ...(relu ? ['y'] : [])];
    this.layout = channelLayout(cols);
    this.chunk = Math.ceil(rows / splits);
    this.outputShape = [splits, 2, cols];
    this.dispatch = [Math.ceil(cols / this.layout.colsPerGroup), splits, 1];
    this.shaderKey = `detChannelSums_${kind}_${rows}_${cols}_${splits}_${meanIsScalar}_${groups?.hw}_${groups?.groups}`;
  }

  getUserCode(): string {
    const { colsPerGroup: CPG, lanes } = this.layout;
    const mask = this.kind === 'grad-relu' || this.kind === 'gn-affine-relu' ? 'if (y[i] <= 0.0) { g = 0.0; }' : '';
    const setup = this.kind === 'stats' ? 'let shift = x[c];'
      : this.groups ? `let cg = c / ${this.cols / this.groups.groups};` : `let m = mean[${this.meanIsScalar ? 0 : 'c'}];`;
    const body =
      this.kind === 'stats'
        ? 'let d = x[i] - shift; s0 = s0 + d; s1 = fma(d, d, s1);'
        : this.groups
          ? `var g = dy[i]; ${mask}
            let ng = (r / ${this.groups.hw}) * ${this.groups.groups} + cg;
            s0 = fma(g, (x[i] - stats[ng * 2]) * stats[ng * 2 + 1], s0); s1 = s1 + g;`
          : `var g = dy[i]; ${mask} s0 = s0 + g; s1 = fma(g, x[i] - m, s1);`;
    return `${pairAccumulators(THREADS)}
      fn main(index : i32) {
        _ = uniforms.outShape;
        let li = i32(localIndex);
        let lane = li / ${CPG};
        let cl = li % ${CPG};
        let c = i32(workgroupId.x) * ${CPG} + cl;
        let split = i32(workgroupId.y);
        let rBegin = split * ${this.chunk};
        let rEnd = min(rBegin + ${this.chunk}, ${this.rows});
        var s0 = 0.0;
        var s1 = 0.0;
        if (c < ${this.cols}) {
          ${setup}
          for (var r = rBegin + lane; r < rEnd; r = r + ${lanes}) {
            let i = r * ${this.cols} + c;
            ${body}
          }
        }
        ${pairTreeSum(lanes, CPG, 'lane')}
        if (lane == 0 && c < ${this.cols}) {
          result[(split * 2) * ${this.cols} + c] = acc0[cl];
          result[(split * 2 + 1) * ${this.cols} + c] = acc1[cl];
        }
      }
    `;
  }
}

/**
 * Per-channel results from the partial sums (one 64-thread workgroup per channel adds the splits):
 *  mean / variance (stats; biased variance, as BatchNorm normalises with),
 *  dGamma = rstd·Σg·x̄ / dBeta = Σg (grad), or
 *  dxCoef [3, C]: dx = a·g + c·x + b with a = γ·rstd, c = −γ·rstd³·Σg·x̄/N, b = −a·Σg/N − c·mean
 *  (so the input-gradient pass reads 3 buffers besides g: WebGPU allows 8 storage buffers per shader),
 *  sum0 / sum1: the plain sums (GroupNorm's dγ = Σg·x̂ and dβ = Σg).
 */
export type ChannelFinalizeKind = 'mean' | 'variance' | 'dGamma' | 'dBeta' | 'dxCoef' | 'dMean' | 'dVariance' | 'sum0' | 'sum1';

/** For FusedBatchNorm's gradient: which channel vectors have a single element (or, scale, none). */
export interface ChannelVectorShapes { meanIsScalar?: boolean; varianceIsScalar?: boolean; scale?: 'vector' | 'scalar' | 'none' }

/** The inputs a finalisation reads besides the partial sums, in binding order. */
type ChannelInput = 'partial' | 'x' | 'mean' | 'variance' | 'gamma';
const INPUT_ORDER: ChannelInput[] = ['partial', 'x', 'mean', 'variance', 'gamma'];

function inputsOf(kind: ChannelFinalizeKind, vectors: ChannelVectorShapes): ChannelInput[] {
  const gamma: ChannelInput[] = vectors.scale === 'vector' || vectors.scale === 'scalar' ? ['gamma'] : [];
  return {
    mean: ['x'], variance: [], dGamma: ['variance'], dBeta: [], dxCoef: ['mean', 'variance', 'gamma'], sum0: [], sum1: [],
    dMean: ['variance', ...gamma], dVariance: ['variance', ...gamma],
  }[kind] as ChannelInput[];
}

/**
 * Several per-channel finalisations of the same partial sums in one dispatch: the first kind is
 * the program's `result`, the others are written to extra outputs (`runWithExtraOutputs`), so a
 * BatchNorm layer's statistics, or its gradients' coefficients, cost one small dispatch, not 2–3.
 */
export class ChannelFinalizeProgram implements WebGpuProgramLike {
  readonly variableNames: string[];
  /** The tensors to pass, in order, before the extra outputs. */
  readonly inputNames: ChannelInput[];
  readonly workgroupSize: [number, number, number] = [64, 1, 1];
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;

  constructor(readonly rows: number, readonly cols: number, readonly splits: number, readonly kinds: ChannelFinalizeKind[], readonly eps = 0,
    readonly vectors: ChannelVectorShapes = {}) {
    if (kinds.length === 0) throw new Error('ChannelFinalizeProgram: no kind to compute');
    // only what the shader reads: the compiler drops unused bindings and the bind group then fails
    const needed = new Set<ChannelInput>(['partial', ...kinds.flatMap((k) => inputsOf(k, vectors))]);
    this.inputNames = INPUT_ORDER.filter((name) => needed.has(name));
    this.variableNames = [...this.inputNames, ...kinds.slice(1).map(extraName)];
    this.outputShape = this.shapeOf(kinds[0]);
    this.dispatch = [cols, 1, 1];
    this.shaderKey = `detChannelFinalize_${kinds.join('+')}_${rows}_${cols}_${splits}_${eps}_${vectors.varianceIsScalar}_${vectors.scale}`;
  }

  shapeOf(kind: ChannelFinalizeKind): number[] {
    return kind === 'dxCoef' ? [3, this.cols] : [this.cols];
  }

  /** Shapes of the outputs after the first, in order. */
  extraShapes(): number[][] {
    return this.kinds.slice(1).map((k) => this.shapeOf(k));
  }

  getUserCode(): string {
    const n = wgslFloat(this.rows);
    const eps = wgslFloat(this.eps);
    const v = this.vectors;
    const varianceAt = `variance[${v.varianceIsScalar ? 0 : 'c'}]`;
    const scaleAt = v.scale === 'vector' ? 'gamma[c]' : v.scale === 'scalar' ? 'gamma[0]' : '1.0';
    const finish = (kind: ChannelFinalizeKind, out: string) => ({
      mean: `${out}[c] = x[c] + s0 / ${n};`,
      variance: `${out}[c] = max(s1 / ${n} - (s0 / ${n}) * (s0 / ${n}), 0.0);`,
      dGamma: `${out}[c] = s1 * inverseSqrt(${varianceAt} + ${eps});`,
      // FusedBatchNorm's own mean/variance inputs (y = (x − mean)·rstd·scale + offset):
      // ∂/∂mean = −scale·rstd·Σdy, ∂/∂variance = −½·scale·rstd³·Σdy·(x − mean)
      dMean: `${out}[c] = -${scaleAt} * inverseSqrt(${varianceAt} + ${eps}) * s0;`,
      dVariance: `{
            let r = inverseSqrt(${varianceAt} + ${eps});
            ${out}[c] = -0.5 * ${scaleAt} * r * r * r * s1;
          }`,
      dBeta: `${out}[c] = s0;`,
      sum0: `${out}[c] = s0;`,
      sum1: `${out}[c] = s1;`,
      dxCoef: `{
            let rstd = inverseSqrt(variance[c] + ${eps});
            let a = gamma[c] * rstd;
            let k = -a * rstd * rstd * s1 / ${n};
            ${out}[c] = a;
            ${out}[${this.cols} + c] = k;
            ${out}[${2 * this.cols} + c] = -a * s0 / ${n} - k * mean[c];
          }`,
    }[kind]);
    const extras = this.kinds.slice(1);
    return `
      ${extras.length > 0 ? writableMarker(extras.map(extraName)) : ''}
      var<workgroup> acc0 : array<f32, 64>;
      var<workgroup> acc1 : array<f32, 64>;
      fn main(index : i32) {
        _ = uniforms.outShape;
        let li = i32(localIndex);
        let c = i32(workgroupId.x);
        var a0 = 0.0;
        var a1 = 0.0;
        for (var s = li; s < ${this.splits}; s = s + 64) {
          a0 = a0 + partial[(s * 2) * ${this.cols} + c];
          a1 = a1 + partial[(s * 2 + 1) * ${this.cols} + c];
        }
        acc0[li] = a0;
        acc1[li] = a1;
        workgroupBarrier();
        for (var stride = 32; stride > 0; stride = stride / 2) {
          if (li < stride) {
            acc0[li] = acc0[li] + acc0[li + stride];
            acc1[li] = acc1[li] + acc1[li + stride];
          }
          workgroupBarrier();
        }
        if (li == 0) {
          let s0 = acc0[0];
          let s1 = acc1[0];
          ${this.kinds.map((k, i) => finish(k, i === 0 ? 'result' : extraName(k))).join('\n          ')}
        }
      }
    `;
  }
}

function extraName(kind: ChannelFinalizeKind): string {
  return `out_${kind}`;
}

/**
 * Runs the finalisations `kinds` of one partial-sums tensor in one dispatch; `tensors` holds the
 * inputs they read (partial always). Returns one tensor per kind, in order.
 */
export function finalizeChannels(
  backend: WebGpuBackendLike, program: ChannelFinalizeProgram, tensors: Partial<Record<ChannelInput, tf.TensorInfo>>,
): tf.TensorInfo[] {
  const inputs = program.inputNames.map((name) => {
    const t = tensors[name];
    if (!t) throw new Error(`${program.shaderKey}: input "${name}" missing`);
    return t;
  });
  return runWithExtraOutputs(backend, program, inputs, program.extraShapes());
}

/** y = (x − mean)·rstd·gamma + beta, then max(y, 0) with ReLU; one thread per element. */
export class BatchNormApplyProgram extends ElementwiseProgram {
  constructor(outputShape: number[], readonly cols: number, readonly eps: number, readonly relu: boolean) {
    super(outputShape, ['x', 'mean', 'variance', 'gamma', 'beta'], `detBatchNormApply_${cols}_${eps}_${relu}`, `
      let c = index % ${cols};
      let v = (x[index] - mean[c]) * inverseSqrt(variance[c] + ${wgslFloat(eps)}) * gamma[c] + beta[c];
      result[index] = ${relu ? 'max(v, 0.0)' : 'v'};`);
  }
}

/** dx = a·g + k·x + b per channel (coefficients from `dxCoef`), g = dy masked by y > 0 with ReLU. */
export class BatchNormInputGradProgram extends ElementwiseProgram {
  constructor(outputShape: number[], readonly cols: number, readonly relu: boolean) {
    super(outputShape, ['x', 'dy', 'coef', ...(relu ? ['y'] : [])], `detBatchNormInputGrad_${cols}_${relu}`, `
      let c = index % ${cols};
      var g = dy[index];
      ${relu ? 'if (y[index] <= 0.0) { g = 0.0; }' : ''}
      result[index] = fma(coef[c], g, fma(coef[${cols} + c], x[index], coef[${2 * cols} + c]));`);
  }
}

/** dx = dy·scale·rstd (FusedBatchNorm with given statistics); scale and variance may be one element. */
export class BatchNormGivenStatsInputGradProgram extends ElementwiseProgram {
  constructor(outputShape: number[], readonly cols: number, readonly eps: number, readonly vectors: ChannelVectorShapes, readonly relu = false) {
    const hasScale = vectors.scale === 'vector' || vectors.scale === 'scalar';
    const scaleAt = vectors.scale === 'vector' ? 'gamma[c]' : vectors.scale === 'scalar' ? 'gamma[0]' : '1.0';
    super(
      outputShape,
      ['dy', 'variance', ...(hasScale ? ['gamma'] : []), ...(relu ? ['y'] : [])],
      `detBatchNormGivenStatsInputGrad_${cols}_${eps}_${vectors.varianceIsScalar}_${vectors.scale}_${relu}`, `
      let c = index % ${cols};
      var g = dy[index];
      ${relu ? 'if (y[index] <= 0.0) { g = 0.0; }' : ''}
      result[index] = g * ${scaleAt} * inverseSqrt(variance[${vectors.varianceIsScalar ? 0 : 'c'}] + ${wgslFloat(eps)});`,
    );
  }
}
