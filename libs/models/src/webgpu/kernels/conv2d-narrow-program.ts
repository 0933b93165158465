import type * as tf from '@tensorflow/tfjs-core';
import type { WebGpuBackendLike, WebGpuProgramLike } from './webgpu-backend-like';
import { forwardConvShape, type ForwardConvShape } from './conv2d-forward-shape';
import { epilogueValue } from './phase-gemm-wgsl';
import type { GemmEpilogue } from './conv2d-input-grad-program';

const THREADS = 64;
/** Accumulators per thread (pixels × output channels) above which registers would spill. */
const MAX_ACCUMULATORS = 64;
/** The whole filter sits in workgroup memory; beyond this the GEMMs reuse it better anyway. */
const MAX_FILTER_BYTES = 16 * 1024;
/** Pixels per thread the candidates try. */
export const NARROW_PIXELS = [1, 2, 4] as const;

/**
 * Whether the narrow program can run `pixels` pixels per thread of this conv: output channels a
 * multiple of 4 (vec4 accumulators and stores), the filter within workgroup memory, and the
 * accumulators within registers.
 */
export function narrowConvFits(s: ForwardConvShape, pixels: number, maxWorkgroupBytes: number, maxWorkgroups: number): boolean {
  const filterBytes = s.kH * s.kW * s.inC * s.outC * 4;
  const groups = Math.ceil((s.batch * s.outH * s.outW) / (THREADS * pixels));
  return s.outC % 4 === 0 && pixels * s.outC <= MAX_ACCUMULATORS &&
    filterBytes <= Math.min(MAX_FILTER_BYTES, maxWorkgroupBytes) && groups <= maxWorkgroups;
}

/**
 * A direct forward conv for layers with few channels, such as a network's first layer (3 → 16,
 * K = 27): tfjs's implicit GEMM tiles N = outC 32 wide and, with inC not a multiple of 4, takes
 * its scalar path (the H200 ran the reference's first layer at 3.5 TFLOP/s, where the output
 * write alone is ~30 µs of its 0.41 ms). Here the whole filter is staged once per workgroup in
 * workgroup memory and each thread computes `pixels` output pixels × every output channel:
 * per input value, outC/4 vec4 multiply-adds against filter rows all threads read at the same
 * address (a broadcast). Neighbouring threads take neighbouring pixels, so their input reads and
 * their outC-wide output rows are contiguous. Bias and ReLU (FusedConv2D) go into the store.
 * A kernel-tuning candidate (`narrow:<pixels>`), not a default: not yet timed on a GPU.
 */
export class NarrowConvProgram implements WebGpuProgramLike {
  readonly variableNames: string[];
  readonly variableComponents: number[];
  readonly outputComponent = 4;
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly shaderKey: string;

  constructor(readonly s: ForwardConvShape, readonly pixels: number, readonly epilogue: GemmEpilogue = { bias: false, relu: false }) {
    this.variableNames = epilogue.bias ? ['x', 'w', 'bias'] : ['x', 'w'];
    this.variableComponents = epilogue.bias ? [1, 4, 4] : [1, 4];
    this.outputShape = [s.batch, s.outH, s.outW, s.outC];
    this.dispatch = [Math.ceil((s.batch * s.outH * s.outW) / (THREADS * pixels)), 1, 1];
    this.shaderKey = `detConv2DNarrow_${Object.values(s).join('_')}_${pixels}_${+epilogue.bias}${+epilogue.relu}`;
  }

  getUserCode(): string {
    const s = this.s;
    const P = this.pixels;
    const C4 = s.outC / 4;
    const filterVec4 = s.kH * s.kW * s.inC * C4;
    const total = s.batch * s.outH * s.outW;
    // pixel k of a thread: THREADS apart, so each of the P rounds of loads and stores is contiguous
    const pixel = (k: string) => `(i32(workgroupId.x) * ${P} + ${k}) * ${THREADS} + flat`;
    return `
      var<workgroup> wTile : array<vec4<f32>, ${filterVec4}>;

      fn main(index : i32) {
        _ = uniforms.outShape; // sizes are baked in; tfjs still binds its uniform buffer
        let flat = i32(localIndex);
        for (var e = flat; e < ${filterVec4}; e = e + ${THREADS}) {
          wTile[e] = w[e];
        }
        workgroupBarrier();
        // each pixel's first input row / column (may be negative: padding)
        var n : array<i32, ${P}>;
        var ih0 : array<i32, ${P}>;
        var iw0 : array<i32, ${P}>;
        for (var k = 0; k < ${P}; k = k + 1) {
          let p = min(${pixel('k')}, ${total - 1});
          let ow = p % ${s.outW};
          let oh = (p / ${s.outW}) % ${s.outH};
          n[k] = p / ${s.outW * s.outH};
          ih0[k] = oh * ${s.strideH} - ${s.padTop};
          iw0[k] = ow * ${s.strideW} - ${s.padLeft};
        }
        var acc : array<array<vec4<f32>, ${C4}>, ${P}>;
        for (var kh = 0; kh < ${s.kH}; kh = kh + 1) {
          for (var kw = 0; kw < ${s.kW}; kw = kw + 1) {
            for (var ci = 0; ci < ${s.inC}; ci = ci + 1) {
              var xv : array<f32, ${P}>;
              for (var k = 0; k < ${P}; k = k + 1) {
                let ih = ih0[k] + kh;
                let iw = iw0[k] + kw;
                let inside = ih >= 0 && ih < ${s.inH} && iw >= 0 && iw < ${s.inW};
                // outside the image the conv's zero padding: read a valid address, use 0
                let at = select(0, ((n[k] * ${s.inH} + ih) * ${s.inW} + iw) * ${s.inC} + ci, inside);
                xv[k] = select(0.0, x[at], inside);
              }
              let row = ((kh * ${s.kW} + kw) * ${s.inC} + ci) * ${C4};
              for (var c = 0; c < ${C4}; c = c + 1) {
                let wv = wTile[row + c];
                for (var k = 0; k < ${P}; k = k + 1) {
                  acc[k][c] = fma(vec4<f32>(xv[k]), wv, acc[k][c]);
                }
              }
            }
          }
        }
        for (var k = 0; k < ${P}; k = k + 1) {
          let p = ${pixel('k')};
          if (p < ${total}) {
            for (var c = 0; c < ${C4}; c = c + 1) {
              result[p * ${C4} + c] = ${epilogueValue(this.epilogue, 'acc[k][c]', 'bias[c]', 'vec4<f32>(0.0)')};
            }
          }
        }
      }
    `;
  }
}

/** The narrow program with the most pixels per thread (of `choices`) that fits the shape on this device, or null. */
export function narrowProgramFor(
  backend: WebGpuBackendLike, s: ForwardConvShape, epilogue?: GemmEpilogue, choices: readonly number[] = NARROW_PIXELS,
): NarrowConvProgram | null {
  const limits = backend.device.limits;
  const pixels = [...choices].sort((a, b) => b - a).find((p) =>
    narrowConvFits(s, p, limits.maxComputeWorkgroupStorageSize ?? 16384, limits.maxComputeWorkgroupsPerDimension ?? 65535));
  return pixels ? new NarrowConvProgram(s, pixels, epilogue) : null;
}

type Conv2dArgs = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs: Record<string, unknown> };

/**
 * A Conv2D kernel function that runs the narrow program where it fits and `fallback` elsewhere:
 * the per-phase forward convs of the `forward-phases-narrow` input gradient (few output channels,
 * e.g. the reference's 32 → 16 layer, where tfjs's GEMM tiles 16 channels 32 wide).
 */
export function narrowOr(fallback: (args: Conv2dArgs) => tf.TensorInfo): (args: Conv2dArgs) => tf.TensorInfo {
  return (args) => {
    const { x, filter } = args.inputs;
    const s = forwardConvShape(x, filter, args.attrs);
    const program = s && narrowProgramFor(args.backend as WebGpuBackendLike, s);
    return program ? (args.backend as WebGpuBackendLike).runWebGPUProgram(program, [x, filter], 'float32') : fallback(args);
  };
}
