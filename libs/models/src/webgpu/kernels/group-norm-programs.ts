import type { WebGpuProgramLike } from './webgpu-backend-like';
import { wgslFloat } from './conv2d-filter-grad-program';
import { ElementwiseProgram } from './elementwise-program';
import { pairAccumulators, pairTreeSum } from './batch-norm-programs';

// GroupNorm over an NHWC tensor viewed as [N, HW, G, Cg] (C = G·Cg channels): statistics per
// (n, g) over its HW·Cg values. tfjs composes the same math from ~50 element-wise, transpose and
// reduction dispatches per layer (forward + backward); here 3 forward and 5 backward.

const THREADS = 256;

/** The shape facts every GroupNorm program needs. */
export interface GroupShape { n: number; hw: number; c: number; groups: number }

const groupSize = (s: GroupShape) => s.hw * (s.c / s.groups);

/** What a group partial-sum pass accumulates (x̂ = (x − mean)·rstd, g = dy·γ masked by y > 0 with ReLU). */
export type GroupSumsKind = 'stats' | 'grad' | 'grad-relu';

/**
 * partial[n·G + g, split, 0|1] over the split's share of the group's values:
 *  stats:       Σ (x − x₀) and Σ (x − x₀)², shifted by the group's first value (one pass without
 *               cancelling a large mean against a small variance)
 *  grad(-relu): Σ g and Σ g·x̂
 * One workgroup per (group, split); threads take consecutive values (Cg contiguous channels per
 * pixel) and meet in a workgroup-memory tree.
 */
export class GroupSumsProgram implements WebGpuProgramLike {
  readonly variableNames: string[];
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0, 1, 2] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;
  private readonly chunk: number;

  constructor(readonly s: GroupShape, readonly splits: number, readonly kind: GroupSumsKind) {
    this.variableNames = kind === 'stats' ? ['x'] : kind === 'grad' ? ['x', 'dy', 'stats', 'gamma'] : ['x', 'dy', 'stats', 'gamma', 'y'];
    this.chunk = Math.ceil(groupSize(s) / splits);
    this.outputShape = [s.n * s.groups, splits, 2];
    this.dispatch = [s.n * s.groups, splits, 1];
    this.shaderKey = `detGroupSums_${kind}_${Object.values(s).join('_')}_${splits}`;
  }

  getUserCode(): string {
    const { hw, c, groups } = this.s;
    const cg = c / groups;
    const body = this.kind === 'stats'
      ? 'let d = x[i] - shift; s0 = s0 + d; s1 = fma(d, d, s1);'
      : `var gv = dy[i] * gamma[g * ${cg} + k]; ${this.kind === 'grad-relu' ? 'if (y[i] <= 0.0) { gv = 0.0; }' : ''}
            let xh = (x[i] - stats[ng * 2]) * stats[ng * 2 + 1];
            s0 = s0 + gv; s1 = fma(gv, xh, s1);`;
    return `${pairAccumulators(THREADS)}
      fn main(index : i32) {
        _ = uniforms.outShape;
        let li = i32(localIndex);
        let ng = i32(workgroupId.x);
        let split = i32(workgroupId.y);
        let n = ng / ${groups};
        let g = ng % ${groups};
        // value e of the group: pixel e / Cg, channel g·Cg + e % Cg
        let base = n * ${hw * c} + g * ${cg};
        ${this.kind === 'stats' ? 'let shift = x[base];' : ''}
        let eEnd = min((split + 1) * ${this.chunk}, ${groupSize(this.s)});
        var s0 = 0.0;
        var s1 = 0.0;
        for (var e = split * ${this.chunk} + li; e < eEnd; e = e + ${THREADS}) {
          let k = e % ${cg};
          let i = base + (e / ${cg}) * ${c} + k;
          ${body}
        }
        ${pairTreeSum(THREADS, 1, 'li')}
        if (li == 0) {
          result[(ng * ${this.splits} + split) * 2] = acc0[0];
          result[(ng * ${this.splits} + split) * 2 + 1] = acc1[0];
        }
      }
    `;
  }
}

/**
 * Per (n, g), from the partial sums (one thread per group adds its splits), into [N·G, 2]:
 *  stats: (mean, rstd) with the biased variance, rstd = 1/√(variance + eps)
 *  grad:  (mean of g, mean of g·x̂)
 */
export class GroupFinalizeProgram implements WebGpuProgramLike {
  readonly variableNames: string[];
  readonly workgroupSize: [number, number, number] = [64, 1, 1];
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;

  constructor(readonly s: GroupShape, readonly splits: number, readonly kind: 'stats' | 'grad', readonly eps = 0) {
    this.variableNames = kind === 'stats' ? ['partial', 'x'] : ['partial'];
    this.outputShape = [s.n * s.groups, 2];
    this.dispatch = [Math.ceil((s.n * s.groups) / 64), 1, 1];
    this.shaderKey = `detGroupFinalize_${kind}_${Object.values(s).join('_')}_${splits}_${eps}`;
  }

  getUserCode(): string {
    const { hw, c, groups } = this.s;
    const m = wgslFloat(groupSize(this.s));
    const finish = this.kind === 'stats'
      ? `let mean0 = s0 / ${m};
          let variance = max(s1 / ${m} - mean0 * mean0, 0.0);
          result[ng * 2] = x[(ng / ${groups}) * ${hw * c} + (ng % ${groups}) * ${c / groups}] + mean0;
          result[ng * 2 + 1] = inverseSqrt(variance + ${wgslFloat(this.eps)});`
      : `result[ng * 2] = s0 / ${m};
          result[ng * 2 + 1] = s1 / ${m};`;
    return `
      fn main(index : i32) {
        _ = uniforms.outShape;
        let ng = index;
        if (ng < ${this.s.n * groups}) {
          var s0 = 0.0;
          var s1 = 0.0;
          for (var k = 0; k < ${this.splits}; k = k + 1) {
            s0 = s0 + partial[(ng * ${this.splits} + k) * 2];
            s1 = s1 + partial[(ng * ${this.splits} + k) * 2 + 1];
          }
          ${finish}
        }
      }
    `;
  }
}

/** The (n, g) index of element `index` of the NHWC tensor, as WGSL. */
function groupOf(s: GroupShape): string {
  return `let c = index % ${s.c};
      let ng = (index / ${s.hw * s.c}) * ${s.groups} + c / ${s.c / s.groups};`;
}

/** y = (x − mean)·rstd·γ + β per element (then max(y, 0) with ReLU). */
export class GroupNormApplyProgram extends ElementwiseProgram {
  constructor(outputShape: number[], s: GroupShape, relu: boolean) {
    super(outputShape, ['x', 'stats', 'gamma', 'beta'], `detGroupNormApply_${Object.values(s).join('_')}_${relu}`, `
      ${groupOf(s)}
      let v = (x[index] - stats[ng * 2]) * stats[ng * 2 + 1] * gamma[c] + beta[c];
      result[index] = ${relu ? 'max(v, 0.0)' : 'v'};`);
  }
}

/** dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = dy·γ (masked by y > 0 with ReLU), the means per group. */
export class GroupNormInputGradProgram extends ElementwiseProgram {
  constructor(outputShape: number[], s: GroupShape, relu: boolean) {
    super(outputShape, ['x', 'dy', 'stats', 'gsums', 'gamma', ...(relu ? ['y'] : [])], `detGroupNormInputGrad_${Object.values(s).join('_')}_${relu}`, `
      ${groupOf(s)}
      var g = dy[index];
      ${relu ? 'if (y[index] <= 0.0) { g = 0.0; }' : ''}
      let rstd = stats[ng * 2 + 1];
      let xh = (x[index] - stats[ng * 2]) * rstd;
      result[index] = rstd * (g * gamma[c] - gsums[ng * 2] - xh * gsums[ng * 2 + 1]);`);
  }
}
