import type { WebGpuProgramLike } from './webgpu-backend-like';
import type { FilterGradShape } from './conv2d-filter-grad-program';

/** Outputs per thread (rows m × columns n) the direct program tries, smallest block first. */
const BLOCKS: [number, number][] = [[4, 4], [4, 8], [8, 8]];
/** Output tiles (rows × columns of dY) per staging step, largest first. */
const TILES: [number, number][] = [[8, 16], [8, 8], [4, 8], [2, 8], [1, 8]];
const MAX_THREADS = 256;
const MAX_GROUPS = 8;
/** Partial-sum rows (workgroups) at split factor 1. */
const TARGET_WORKGROUPS = 1024;
const MAX_PARTIAL_BYTES = 256 * 1024 * 1024;

/** How the direct program lays out one shape (see FilterGradDirectProgram). */
export interface DirectFilterGradPlan {
  /** outputs per thread: rows (m) × columns (n) */
  bm: number; bn: number;
  /** threads per group, groups per workgroup (each group takes every G-th pixel of a tile) */
  threadsPerGroup: number; groups: number;
  /** dY tile (output rows × columns) staged per step, and the input patch it reads */
  tileH: number; tileW: number; patchH: number; patchW: number;
  /** workgroup memory in floats: max(patch + dY tile, groups × M × N) */
  smemFloats: number;
}

/** Whether some thread block holds every output of an M × N gradient in one workgroup. */
export function directFilterGradFits(m: number, n: number): boolean {
  return BLOCKS.some(([bm, bn]) => Math.ceil(m / bm) * Math.ceil(n / bn) <= MAX_THREADS);
}

/**
 * The plan for a shape, or null where the direct program does not apply: more than 256 threads
 * would be needed to hold every output (wide layers: the GEMM programs), or no tile fits the
 * device's workgroup memory.
 */
export function planDirectFilterGrad(s: FilterGradShape, maxWorkgroupBytes: number): DirectFilterGradPlan | null {
  const m = s.kH * s.kW * s.inC;
  const n = s.outC;
  const block = BLOCKS.find(([bm, bn]) => Math.ceil(m / bm) * Math.ceil(n / bn) <= MAX_THREADS);
  if (!block) return null;
  const [bm, bn] = block;
  const threadsPerGroup = Math.ceil(m / bm) * Math.ceil(n / bn);
  const budget = Math.floor(maxWorkgroupBytes / 4);
  for (const [tileH, tileW] of TILES) {
    const patchH = (tileH - 1) * s.strideH + s.kH;
    const patchW = (tileW - 1) * s.strideW + s.kW;
    const staged = patchH * patchW * s.inC + tileH * tileW * n;
    if (staged > budget) continue;
    let groups = Math.min(MAX_GROUPS, Math.floor(MAX_THREADS / threadsPerGroup), tileH * tileW);
    while (groups > 1 && groups * m * n > budget) groups--;
    const smemFloats = Math.max(staged, groups > 1 ? groups * m * n : 0);
    return { bm, bn, threadsPerGroup, groups, tileH, tileW, patchH, patchW, smemFloats };
  }
  return null;
}

/**
 * dW for layers whose whole M × N (kh·kw·ci × co) fits one workgroup's registers — the narrow
 * early layers, where the GEMM programs ran at 1–2 TFLOP/s on the H200 (e.g. 3·3·16 × 32 at
 * stride 2: a tall-skinny product over K = b·oh·ow = 409 600): every workgroup holds every
 * output and walks its share of dY in spatial tiles. Per tile it stages the dY tile and the
 * input patch under it — each input value once, where im2col rows would repeat it kH·kW/stride²
 * times — and each thread adds bm × bn outputs over the tile's pixels. Threads are split into
 * groups that take alternate pixels (small layers would otherwise leave most of a workgroup
 * idle); groups are summed in workgroup memory at the end. Output: partial sums [splits, M, N]
 * for SumSplitsProgram, like the split-K programs. A candidate for kernel tuning.
 */
export class FilterGradDirectProgram implements WebGpuProgramLike {
  readonly variableNames = ['x', 'dy'];
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number];
  readonly shaderKey: string;
  readonly m: number;
  readonly n: number;
  /** dY tiles over all images, and how many each workgroup walks (a constant trip count) */
  readonly tiles: number;
  readonly tilesPerWorkgroup: number;
  readonly splits: number;

  constructor(readonly s: FilterGradShape, readonly plan: DirectFilterGradPlan, splitFactor = 1) {
    this.m = s.kH * s.kW * s.inC;
    this.n = s.outC;
    this.tiles = s.batch * Math.ceil(s.outH / plan.tileH) * Math.ceil(s.outW / plan.tileW);
    const target = Math.max(1, Math.round(TARGET_WORKGROUPS * splitFactor));
    const wanted = Math.min(this.tiles, target, Math.floor(MAX_PARTIAL_BYTES / (4 * this.m * this.n)), 65535);
    this.tilesPerWorkgroup = Math.ceil(this.tiles / Math.max(1, wanted));
    this.splits = Math.ceil(this.tiles / this.tilesPerWorkgroup);
    this.outputShape = [this.splits, this.m, this.n];
    this.dispatch = [this.splits, 1, 1];
    this.workgroupSize = [plan.threadsPerGroup * plan.groups, 1, 1];
    this.shaderKey = `detConv2DFilterGradDirect_${Object.values(s).join('_')}_${Object.values(plan).join('_')}_${this.tilesPerWorkgroup}`;
  }

  getUserCode(): string {
    const s = this.s;
    const p = this.plan;
    const { m: M, n: N } = this;
    const mBlocks = Math.ceil(M / p.bm);
    const nBlocks = Math.ceil(N / p.bn);
    const tilesH = Math.ceil(s.outH / p.tileH);
    const tilesW = Math.ceil(s.outW / p.tileW);
    const patchFloats = p.patchH * p.patchW * s.inC;
    const pixels = p.tileH * p.tileW;
    const threads = p.threadsPerGroup * p.groups;
    return `
      var<workgroup> smem : array<f32, ${p.smemFloats}>;

      fn main(index : i32) {
        // sizes are baked in; tfjs still binds its uniform buffer, so touch it
        _ = uniforms.outShape;
        let flat = i32(localIndex);
        let grp = flat / ${p.threadsPerGroup};
        let t = flat % ${p.threadsPerGroup};
        // threads next to each other take neighbouring row blocks of one column block: their
        // dY reads are the same address (a broadcast), their patch reads neighbouring ones
        let mb = t % ${mBlocks};
        let nb = t / ${mBlocks};
        // each row's offset in the patch, once: m = (kh, kw, ci)
        var rowOffset : array<i32, ${p.bm}>;
        for (var i = 0; i < ${p.bm}; i = i + 1) {
          let m = mb * ${p.bm} + i;
          let ci = m % ${s.inC};
          let kw = (m / ${s.inC}) % ${s.kW};
          let kh = m / ${s.inC * s.kW};
          rowOffset[i] = select(-1, (kh * ${p.patchW} + kw) * ${s.inC} + ci, m < ${M});
        }
        var acc : array<array<f32, ${p.bn}>, ${p.bm}>;
        let firstTile = i32(workgroupId.x) * ${this.tilesPerWorkgroup};
        // a constant trip count keeps the barriers in uniform control flow (workgroupId reaches
        // main through a private variable, which WGSL's uniformity analysis does not trust)
        for (var step = 0; step < ${this.tilesPerWorkgroup}; step = step + 1) {
          let tile = firstTile + step;
          let b = tile / ${tilesH * tilesW};
          let oh0 = ((tile / ${tilesW}) % ${tilesH}) * ${p.tileH};
          let ow0 = (tile % ${tilesW}) * ${p.tileW};
          let live = tile < ${this.tiles};
          // the input patch under the tile (zero outside the image: the convolution's padding)
          for (var e = flat; e < ${patchFloats}; e = e + ${threads}) {
            let ci = e % ${s.inC};
            let col = (e / ${s.inC}) % ${p.patchW};
            let row = e / ${s.inC * p.patchW};
            let ih = oh0 * ${s.strideH} - ${s.padTop} + row;
            let iw = ow0 * ${s.strideW} - ${s.padLeft} + col;
            var v = 0.0;
            if (live && ih >= 0 && ih < ${s.inH} && iw >= 0 && iw < ${s.inW}) {
              v = x[((b * ${s.inH} + ih) * ${s.inW} + iw) * ${s.inC} + ci];
            }
            smem[e] = v;
          }
          // the dY tile, [pixel, co] (zero past the map's edge)
          for (var e = flat; e < ${pixels * N}; e = e + ${threads}) {
            let co = e % ${N};
            let px = e / ${N};
            let oh = oh0 + px / ${p.tileW};
            let ow = ow0 + px % ${p.tileW};
            var v = 0.0;
            if (live && oh < ${s.outH} && ow < ${s.outW}) {
              v = dy[((b * ${s.outH} + oh) * ${s.outW} + ow) * ${N} + co];
            }
            smem[${patchFloats} + e] = v;
          }
          workgroupBarrier();
          for (var px = grp; px < ${pixels}; px = px + ${p.groups}) {
            let base = ((px / ${p.tileW}) * ${s.strideH * p.patchW} + (px % ${p.tileW}) * ${s.strideW}) * ${s.inC};
            var a : array<f32, ${p.bm}>;
            for (var i = 0; i < ${p.bm}; i = i + 1) {
              a[i] = select(0.0, smem[max(base + rowOffset[i], 0)], rowOffset[i] >= 0);
            }
            for (var j = 0; j < ${p.bn}; j = j + 1) {
              let co = nb * ${p.bn} + j;
              let d = smem[${patchFloats} + px * ${N} + min(co, ${N - 1})];
              for (var i = 0; i < ${p.bm}; i = i + 1) {
                acc[i][j] = fma(a[i], d, acc[i][j]);
              }
            }
          }
          workgroupBarrier();
        }
        ${p.groups > 1 ? this.groupSum() : this.directStore()}
      }
    `;
  }

  /** Each thread's outputs: `store` runs with m, co and the value acc[i][j] in scope. */
  private eachOutput(store: string): string {
    const p = this.plan;
    return `
        for (var i = 0; i < ${p.bm}; i = i + 1) {
          let m = mb * ${p.bm} + i;
          for (var j = 0; j < ${p.bn}; j = j + 1) {
            let co = nb * ${p.bn} + j;
            if (m < ${this.m} && co < ${this.n}) {
              ${store}
            }
          }
        }`;
  }

  /** One group: each thread writes its outputs to this workgroup's partial row. */
  private directStore(): string {
    return this.eachOutput(`result[(i32(workgroupId.x) * ${this.m} + m) * ${this.n} + co] = acc[i][j];`);
  }

  /** Several groups: their outputs meet in workgroup memory, then every thread adds some. */
  private groupSum(): string {
    const p = this.plan;
    const mn = this.m * this.n;
    return `${this.eachOutput(`smem[grp * ${mn} + m * ${this.n} + co] = acc[i][j];`)}
        workgroupBarrier();
        for (var e = flat; e < ${mn}; e = e + ${p.threadsPerGroup * p.groups}) {
          var sum = 0.0;
          for (var g = 0; g < ${p.groups}; g = g + 1) {
            sum = sum + smem[g * ${mn} + e];
          }
          result[i32(workgroupId.x) * ${mn} + e] = sum;
        }`;
  }
}
