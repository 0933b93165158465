import type { WebGpuProgramLike } from './webgpu-backend-like';
import { wgslFloat } from './conv2d-filter-grad-program';

const COLS_PER_WORKGROUP = 64;

/**
 * Per-column sums of a row-major [rows, cols] view: partial[split, c] = scale · Σ_r x[r, c] over
 * the split's rows. This is how BatchNorm statistics and bias/BN gradients reduce an NHWC tensor
 * over N·H·W. tfjs transposes the tensor so the reduced axes are innermost and then gives each
 * output (channel) one workgroup, i.e. a full copy plus as few as 16 workgroups for 16 channels.
 * Here threads run along columns (coalesced reads, no transpose) and rows are split across
 * workgroups along y; SumSplitsProgram adds the splits when there is more than one.
 */
export class ColumnSumProgram implements WebGpuProgramLike {
  readonly variableNames = ['x'];
  readonly workgroupSize: [number, number, number] = [COLS_PER_WORKGROUP, 1, 1];
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;
  readonly chunk: number;

  /** `outputShape` is [splits, cols] when splits > 1, else the caller's final shape. */
  constructor(readonly rows: number, readonly cols: number, readonly splits: number, outputShape: number[], readonly scale = 1) {
    this.chunk = Math.ceil(rows / splits);
    this.outputShape = outputShape;
    // A flat layout (tfjs then calls main(index)); the split index comes from workgroupId.y.
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = [Math.ceil(cols / COLS_PER_WORKGROUP), splits, 1];
    this.shaderKey = `detColumnSum_${rows}_${cols}_${splits}_${scale}_${outputShape.length}`;
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        // Sizes are baked in; touch the uniforms so the auto layout keeps their binding.
        _ = uniforms.outShape;
        let c = i32(globalId.x);
        let split = i32(workgroupId.y);
        if (c >= ${this.cols}) { return; }
        let rBegin = split * ${this.chunk};
        let rEnd = min(rBegin + ${this.chunk}, ${this.rows});
        var sum = 0.0;
        for (var r = rBegin; r < rEnd; r = r + 1) {
          sum = sum + x[r * ${this.cols} + c];
        }
        result[split * ${this.cols} + c] = sum * ${wgslFloat(this.scale)};
      }
    `;
  }
}
