import * as tf from '@tensorflow/tfjs-core';
import { inputGradShape } from './conv2d-input-grad';
import { filterGradShape } from './conv2d-filter-grad';
import { SGMAT_TILINGS, SgmatPhaseGemmProgram } from './conv2d-phase-gemm-sgmat-program';
import { FILTER_SGMAT_TILINGS, SgmatFilterGradProgram } from './conv2d-filter-grad-sgmat-program';
import type { MatrixUnit } from './subgroup-matrix-wgsl';

// Setup and kernel choice skip a matrix-unit program whose workgroupBytes exceed the device's
// maxComputeWorkgroupStorageSize; Dawn rejects the pipeline otherwise (a dropped dispatch). So
// workgroupBytes must be what the shader declares: here, independently, the sum of its
// `var<workgroup>` declarations as Dawn counts them (each rounded up to 16 bytes).
const ELEMENT_BYTES: Record<string, number> = { f16: 2, f32: 4, u32: 4, i32: 4 };

function declaredWorkgroupBytes(wgsl: string): number {
  let total = 0;
  for (const [, type] of wgsl.matchAll(/var<workgroup>\s+\w+\s*:\s*([^;]+);/g)) {
    const array = /^array<(\w+),\s*(\d+)>$/.exec(type.trim());
    const vec = /^vec(\d)<(\w+)>$/.exec(type.trim());
    const bytes = array ? ELEMENT_BYTES[array[1]] * Number(array[2]) : vec ? ELEMENT_BYTES[vec[2]] * (vec[1] === '3' ? 4 : Number(vec[1])) : NaN;
    if (!Number.isFinite(bytes)) throw new Error(`unexpected workgroup type ${type}`);
    total += Math.ceil(bytes / 16) * 16;
  }
  return total;
}

// lavapipe's unit, and NVIDIA-like ones (subgroups of 32; the shapes its Vulkan driver lists)
const UNITS: MatrixUnit[] = [
  { subgroupSize: 8, M: 8, N: 8, K: 8 },
  { subgroupSize: 32, M: 16, N: 16, K: 16 },
  { subgroupSize: 32, M: 16, N: 8, K: 16 },
];
const conv = { strides: 2, pad: 'same', dataFormat: 'NHWC' };
const phaseShape = inputGradShape({ shape: [3, 3, 40, 64] } as tf.TensorInfo, { ...conv, inputShape: [2, 11, 13, 40] })!;
const filterShape = filterGradShape({ shape: [2, 11, 13, 40] } as tf.TensorInfo, { ...conv, filterShape: [3, 3, 40, 64] })!.shape;

describe('matrix-unit programs: workgroupBytes is what the shader declares', () => {
  it.each(UNITS.flatMap((unit) => Object.entries(SGMAT_TILINGS).flatMap(([name, t]) => [false, true].map((directW) => ({ unit, name, t, directW })))))(
    'SgmatPhaseGemmProgram $name on $unit.M×$unit.N×$unit.K (subgroups of $unit.subgroupSize), directW $directW',
    ({ unit, t, directW }) => {
      const program = new SgmatPhaseGemmProgram(phaseShape, t, unit, { directW, scaleA: !directW });
      expect(program.workgroupBytes).toBe(declaredWorkgroupBytes(program.getUserCode()));
    },
  );

  it.each(UNITS.flatMap((unit) => Object.entries(FILTER_SGMAT_TILINGS).map(([name, t]) => ({ unit, name, t }))))(
    'SgmatFilterGradProgram $name on $unit.M×$unit.N×$unit.K (subgroups of $unit.subgroupSize)',
    ({ unit, t }) => {
      // each thread stages one column of the X tile: threads must cover tileM (not so for 128 rows on 8 × 8 lanes)
      if ((unit.subgroupSize * t.sgRows * t.sgCols) % t.tileM) {
        expect(() => new SgmatFilterGradProgram(filterShape, 4, t, unit)).toThrow(/does not fit/);
        return;
      }
      const program = new SgmatFilterGradProgram(filterShape, 4, t, unit);
      expect(program.workgroupBytes).toBe(declaredWorkgroupBytes(program.getUserCode()));
    },
  );

  it('the 128×64 tiling with 4×2 subgroups needs more than 32 KiB on 16×16 matrices, so a 32 KiB device skips it', () => {
    const program = new SgmatPhaseGemmProgram(phaseShape, SGMAT_TILINGS.T_128x64k32_4x2, UNITS[1]);
    expect(program.workgroupBytes).toBeGreaterThan(32768);
  });
});
