/**
 * What det's two matrix-unit programs share (SgmatPhaseGemmProgram, SgmatFilterGradProgram): the
 * matrix shape and tiling types, the f16-range scaling, and the WGSL that splits a workgroup's
 * tile over its subgroups, multiply-accumulates staged f16 tiles on subgroup matrices and writes
 * the results back through a workgroup scratch one row of result matrices at a time.
 */

/** An f16 × f16 → f32 subgroup-matrix shape the device offers (Dawn's subgroupMatrixConfigs). */
export interface MatrixUnit {
  /** The device's subgroup size (the workgroup is a whole number of subgroups). */
  subgroupSize: number;
  M: number; N: number; K: number;
}

/**
 * How one workgroup tiles the GEMM on matrix units: tileM × tileN outputs, split over sgRows ×
 * sgCols subgroups (each owns (tileM/sgRows) × (tileN/sgCols) = several M×N result matrices),
 * tileK of the K axis staged (as f16) per step.
 */
export interface SgmatTiling { tileM: number; tileN: number; tileK: number; sgRows: number; sgCols: number }

/**
 * WGSL for the f16 range: pow2Shift(bits of max |v|) is the power of two that brings max |v| into
 * [2^14, 2^15) (below f16's largest, 65504), so values down to max·2^-28 stay normal f16 — gradients
 * are often far below f16's smallest normal (6e-5) and would flush to zero or lose bits
 * unscaled. A power of two changes no rounding; the result is scaled back by pow2(-shift).
 */
export const POW2_SCALE_FN = `
      fn pow2Shift(maxBits : i32) -> i32 {
        if (maxBits <= 0) { return 0; }
        return clamp(14 - (((maxBits >> 23u) & 0xff) - 127), -126, 126);
      }
      fn pow2(e : i32) -> f32 { return bitcast<f32>(u32(127 + e) << 23u); }`;

/**
 * Row padding of the staged f16 tiles (8 halves = 16 bytes) and of the f32 scratch (4 floats).
 * A matrix load reads rows of 16 bytes, 8 rows at a time on NVIDIA (ldmatrix); with a row stride
 * of 64 or 128 bytes those rows fall on the same 4 of the 32 shared-memory banks (a 4- or 8-way
 * conflict), one more 16-byte step apart they spread over all 32. Offsets and strides stay
 * multiples of 16 bytes, as matrix loads and stores need.
 */
export const F16_ROW_PAD = 8;
export const F32_ROW_PAD = 4;

/** How a program's two staged tiles lie: rows × leading dimension (padded), in f16 elements. */
export interface SgmatTileLayout { rowsA: number; ldA: number; rowsB: number; ldB: number }

/** The scratch's row stride: the tile's N plus the padding. */
export const scratchLd = (t: SgmatTiling): number => t.tileN + F32_ROW_PAD;

/**
 * Workgroup memory of the staged f16 tiles plus one store pass of f32 results, plus `extra` bytes
 * of the program's other workgroup variables (Dawn counts each rounded up to 16 bytes; the tiles
 * and scratch already are multiples of 16).
 */
export const sgmatWorkgroupBytes = (t: SgmatTiling, unit: MatrixUnit, l: SgmatTileLayout, extra = 0): number =>
  2 * (l.rowsA * l.ldA + l.rowsB * l.ldB) + 4 * scratchRows(t, unit) * scratchLd(t) + extra;

/** Tile rows in the scratch per store pass: one result-matrix row of every subgroup row. */
export const scratchRows = (t: SgmatTiling, unit: MatrixUnit): number => t.sgRows * unit.M;

/**
 * The multiply-accumulate part, given how the staged tiles lie in workgroup memory (`tileA`:
 * rows of the tile's M, `tileB`: columns of its N, leading dimensions LDA / LDB; row_major = the
 * K index varies fastest within a row of A / a row of B, col_major = the other way):
 * - `setup`: this subgroup's block (aRow, bCol: uniform, from the subgroup id `sid`) and its
 *   zeroed accumulators;
 * - `step`: one K step of kk over the staged tileK (loads and MMAs), inside a uniform loop;
 * - `stores`: each row of result matrices to `scratch` (row stride LDC), a barrier, then
 *   `storePass(rowOffset)` — the program's own function that writes scratch out — and a barrier.
 */
export function subgroupMatrixBlocks(t: SgmatTiling, unit: MatrixUnit, aLayout: 'row_major' | 'col_major', bLayout: 'row_major' | 'col_major'): { setup: string; step: string; stores: string } {
  const { M, N, K } = unit;
  const SM = t.tileM / t.sgRows;
  const SN = t.tileN / t.sgCols;
  const left = `subgroup_matrix_left<f16, ${K}, ${M}>`;
  const right = `subgroup_matrix_right<f16, ${N}, ${K}>`;
  const aOffset = (r: number) => aLayout === 'row_major' ? `(aRow + ${r}u) * LDA + kk` : `kk * LDA + aRow + ${r}u`;
  const bOffset = (c: number) => bLayout === 'col_major' ? `(bCol + ${c}u) * LDB + kk` : `kk * LDB + bCol + ${c}u`;
  const accs: string[] = [];
  const step: string[] = [];
  const stores: string[] = [];
  for (let tm = 0; tm < SM / M; tm++) step.push(`let l${tm} = subgroupMatrixLoad<${left}, ${aLayout}>(&tileA, ${aOffset(tm * M)}, LDA);`);
  for (let tn = 0; tn < SN / N; tn++) step.push(`let r${tn} = subgroupMatrixLoad<${right}, ${bLayout}>(&tileB, ${bOffset(tn * N)}, LDB);`);
  for (let tm = 0; tm < SM / M; tm++) {
    const row: string[] = [];
    for (let tn = 0; tn < SN / N; tn++) {
      accs.push(`var acc${tm}_${tn} = subgroup_matrix_result<f32, ${N}, ${M}>();`);
      step.push(`acc${tm}_${tn} = subgroupMatrixMultiplyAccumulate(l${tm}, r${tn}, acc${tm}_${tn});`);
      row.push(`subgroupMatrixStore<row_major>(&scratch, sRow + ${tn * N}u, acc${tm}_${tn}, LDC);`);
    }
    stores.push(`
        ${row.join('\n        ')}
        workgroupBarrier();
        storePass(${tm * M});
        workgroupBarrier();`);
  }
  const setup = `
        // This subgroup's result block: rows aRow.., columns bCol.. of the tile (uniform offsets).
        let sgRow = (sid / ${t.sgCols}u) % ${t.sgRows}u;
        let sgCol = sid % ${t.sgCols}u;
        let aRow = sgRow * ${SM}u;
        let bCol = sgCol * ${SN}u;
        let sRow = sgRow * ${M}u * LDC + bCol;
        ${accs.join('\n        ')}`;
  return { setup, step: step.join('\n            '), stores: stores.join('\n') };
}

/** In storePass: scratch row lr (of a pass at rowOffset) is tile row (lr / M)·SM + rowOffset + lr % M. */
export function scratchRowToTileRow(t: SgmatTiling, unit: MatrixUnit, lr: string): string {
  return `(${lr} / ${unit.M}) * ${t.tileM / t.sgRows} + rowOffset + ${lr} % ${unit.M}`;
}
