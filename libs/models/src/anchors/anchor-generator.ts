// MMDetection 2.x AnchorGenerator: per-level base anchors tiled over the feature grid.
import * as tf from '@tensorflow/tfjs-core';
import { DetError, PRIOR_GENERATORS } from '@det/registry';

export interface AnchorGeneratorOptions {
  /** Per level: a number or [strideW, strideH]. */
  strides: (number | [number, number])[];
  /** h / w ratios. */
  ratios: number[];
  /** Anchor scales relative to the base size; or give octaveBaseScale + scalesPerOctave. */
  scales?: number[];
  octaveBaseScale?: number;
  scalesPerOctave?: number;
  /** Per level; defaults to the smaller stride of the level. */
  baseSizes?: number[];
  /** true: ratio-major order of base anchors (MMDetection's name for w_ratios[:,None]*scales[None,:]). */
  scaleMajor?: boolean;
  /** Explicit per-level base anchor centres [x, y]; overrides centerOffset. */
  centers?: [number, number][];
  /** Base anchor centre at centerOffset · baseSize (0 = at the origin). */
  centerOffset?: number;
}

const f32 = Math.fround;

/** Rounds to float32 after each step, reproducing MMDetection's float32 torch arithmetic. */
function baseAnchorsForLevel(
  baseSize: number,
  scales: number[],
  ratios: number[],
  scaleMajor: boolean,
  center: [number, number],
): Float32Array {
  const hRatios = ratios.map((r) => f32(Math.sqrt(f32(r))));
  const wRatios = hRatios.map((h) => f32(1 / h));
  const s32 = scales.map(f32);
  const ws: number[] = [];
  const hs: number[] = [];
  const push = (ri: number, si: number) => {
    ws.push(f32(f32(baseSize * wRatios[ri]) * s32[si]));
    hs.push(f32(f32(baseSize * hRatios[ri]) * s32[si]));
  };
  if (scaleMajor) ratios.forEach((_, ri) => scales.forEach((__, si) => push(ri, si)));
  else scales.forEach((_, si) => ratios.forEach((__, ri) => push(ri, si)));
  const [cx, cy] = center.map(f32);
  const out = new Float32Array(ws.length * 4);
  ws.forEach((w, a) => {
    const halfW = f32(0.5 * w);
    const halfH = f32(0.5 * hs[a]);
    out.set([cx - halfW, cy - halfH, cx + halfW, cy + halfH], a * 4);
  });
  return out;
}

@PRIOR_GENERATORS.register()
export class AnchorGenerator {
  readonly strides: [number, number][];
  readonly ratios: number[];
  readonly scales: number[];
  readonly baseSizes: number[];
  readonly scaleMajor: boolean;
  readonly centerOffset: number;
  /** Base anchors per level, flat x1,y1,x2,y2 (float32 values). */
  readonly baseAnchors: Float32Array[];

  constructor(options: AnchorGeneratorOptions) {
    const where = 'AnchorGenerator';
    if (!Array.isArray(options.strides) || options.strides.length === 0) {
      throw new DetError(`${where}: 'strides' must be a non-empty list, got ${JSON.stringify(options.strides)}`);
    }
    this.strides = options.strides.map((s) => (Array.isArray(s) ? [s[0], s[1]] : [s, s]));
    this.ratios = options.ratios;
    if (!Array.isArray(this.ratios) || this.ratios.length === 0) throw new DetError(`${where}: 'ratios' must be a non-empty list`);
    const hasOctave = options.octaveBaseScale !== undefined && options.scalesPerOctave !== undefined;
    if (options.scales && hasOctave) {
      throw new DetError(`${where}: give either 'scales' or 'octaveBaseScale' + 'scalesPerOctave', not both`);
    }
    if (options.scales) this.scales = options.scales;
    else if (hasOctave) {
      const per = options.scalesPerOctave!;
      this.scales = Array.from({ length: per }, (_, i) => 2 ** (i / per) * options.octaveBaseScale!);
    } else throw new DetError(`${where}: needs 'scales' or 'octaveBaseScale' + 'scalesPerOctave'`);
    this.baseSizes = options.baseSizes ?? this.strides.map(([w, h]) => Math.min(w, h));
    if (this.baseSizes.length !== this.strides.length) {
      throw new DetError(`${where}: ${this.baseSizes.length} baseSizes for ${this.strides.length} strides`);
    }
    if (options.centers && options.centers.length !== this.strides.length) {
      throw new DetError(`${where}: ${options.centers.length} centers for ${this.strides.length} strides`);
    }
    this.scaleMajor = options.scaleMajor ?? true;
    this.centerOffset = options.centerOffset ?? 0;
    this.baseAnchors = this.baseSizes.map((size, level) =>
      baseAnchorsForLevel(
        size, this.scales, this.ratios, this.scaleMajor,
        options.centers?.[level] ?? [this.centerOffset * size, this.centerOffset * size],
      ),
    );
  }

  get numLevels(): number {
    return this.strides.length;
  }

  /** Anchors per feature cell, per level. */
  get numBaseAnchors(): number[] {
    return this.baseAnchors.map((b) => b.length / 4);
  }

  /** Alias of numBaseAnchors (MMDetection's prior-generator interface). */
  get numBasePriors(): number[] {
    return this.numBaseAnchors;
  }

  /** Flat anchors of one level: index ((y · W + x) · A + a), values base + (x·strideW, y·strideH). */
  singleLevelGridPriorsData(featmapSize: [number, number], level: number): Float32Array {
    const [featH, featW] = featmapSize;
    const base = this.baseAnchors[level];
    if (!base) throw new DetError(`AnchorGenerator: level ${level} out of range (numLevels ${this.numLevels})`);
    const [strideW, strideH] = this.strides[level];
    const a = base.length / 4;
    const out = new Float32Array(featH * featW * a * 4);
    let o = 0;
    for (let y = 0; y < featH; y++) {
      const sy = f32(y * strideH);
      for (let x = 0; x < featW; x++) {
        const sx = f32(x * strideW);
        for (let k = 0; k < a * 4; k += 4) {
          out[o++] = base[k] + sx;
          out[o++] = base[k + 1] + sy;
          out[o++] = base[k + 2] + sx;
          out[o++] = base[k + 3] + sy;
        }
      }
    }
    return out;
  }

  /** Anchors per level as [H·W·A, 4] tensors; featmapSizes are [h, w]. */
  gridPriors(featmapSizes: [number, number][]): tf.Tensor2D[] {
    this.checkLevels(featmapSizes);
    return featmapSizes.map((size, level) => {
      const data = this.singleLevelGridPriorsData(size, level);
      return tf.tensor2d(data, [data.length / 4, 4]);
    });
  }

  /**
   * Per level, whether each anchor's cell lies inside the un-padded image: cells beyond
   * ceil(padShape / stride) are invalid. Returns one Uint8Array (1 = valid) per level.
   */
  validFlags(featmapSizes: [number, number][], padShape: [number, number] | number[]): Uint8Array[] {
    this.checkLevels(featmapSizes);
    const [h, w] = padShape;
    return featmapSizes.map(([featH, featW], level) => {
      const [strideW, strideH] = this.strides[level];
      const validH = Math.min(Math.ceil(h / strideH), featH);
      const validW = Math.min(Math.ceil(w / strideW), featW);
      return singleLevelValidFlags([featH, featW], [validH, validW], this.numBaseAnchors[level]);
    });
  }

  private checkLevels(featmapSizes: [number, number][]): void {
    if (featmapSizes.length !== this.numLevels) {
      throw new DetError(`AnchorGenerator: got ${featmapSizes.length} feature map sizes for ${this.numLevels} levels`);
    }
  }
}

/** Valid flags of one level, one per prior, in grid-prior order. */
export function singleLevelValidFlags(
  featmapSize: [number, number],
  validSize: [number, number],
  numBasePriors: number,
): Uint8Array {
  const [featH, featW] = featmapSize;
  const [validH, validW] = validSize;
  const out = new Uint8Array(featH * featW * numBasePriors);
  for (let y = 0; y < Math.min(validH, featH); y++) {
    for (let x = 0; x < Math.min(validW, featW); x++) {
      out.fill(1, (y * featW + x) * numBasePriors, (y * featW + x + 1) * numBasePriors);
    }
  }
  return out;
}
